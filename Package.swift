// swift-tools-version:6.0
// dotslash: `./anything.ext` for every language. The folders under Sources/
// follow the design: Manifest (section 1), Store and Fetch (2), Image (2.1),
// Binfmt (3), Runner (4), Engine and CLI (5). C code lives only in Sources/C.
import PackageDescription

/// The runner must start where the caller's root has no libc (binfmt_misc's
/// F flag), so it links fully static. lld ignores glibc's link-time warnings
/// about NSS and dlopen, which the runner never reaches. libarchive's read
/// side needs only these compression libraries.
let staticRunner: [LinkerSetting] = [
    .unsafeFlags([
        "-static-executable", "-use-ld=lld",
        "-Xlinker", "--start-group",
        "-Xlinker", "-lzstd", "-Xlinker", "-llzma", "-Xlinker", "-lbz2", "-Xlinker", "-lz",
        "-Xlinker", "--end-group",
    ])
]

let package = Package(
    name: "dotslash",
    products: [
        .executable(name: "dotslash", targets: ["dotslash"]),
        .executable(name: "dotslash-runner", targets: ["dotslash-runner"]),
    ],
    targets: [
        // C at the edges.
        .systemLibrary(name: "CYAML", path: "Sources/C/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/C/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CArchive", path: "Sources/C/CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/C/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "CSystem", path: "Sources/C/CSystem"),
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Sources/C/CCurlShim"),

        // Shared by the runner and the tools: no Foundation.
        .target(name: "DotslashDigest", dependencies: ["CCrypto"], path: "Sources/Digest"),
        .target(name: "RunnerFormat", dependencies: ["DotslashDigest"], path: "Sources/Runner/Format"),

        // The runner: static, no Foundation, no curl, no YAML.
        .target(name: "RunnerRuntime",
                dependencies: ["RunnerFormat", "DotslashDigest", "CSystem", "CArchive"],
                path: "Sources/Runner/Runtime"),
        .executableTarget(name: "dotslash-runner", dependencies: ["RunnerRuntime"],
                          path: "Sources/Runner/Main", linkerSettings: staticRunner),

        // The tools.
        .target(name: "DotslashManifest", dependencies: ["CYAML", "DotslashDigest", "DotslashBinfmt"], path: "Sources/Manifest"),
        .target(name: "DotslashStore",
                dependencies: ["DotslashDigest", "RunnerFormat", "CArchive", "CSystem"],
                path: "Sources/Store"),
        .target(name: "DotslashFetch", dependencies: ["DotslashDigest", "DotslashStore", "CCurl", "CCurlShim"],
                path: "Sources/Fetch"),
        .target(name: "DotslashImage",
                dependencies: ["DotslashDigest", "DotslashFetch", "DotslashStore", "CArchive"],
                path: "Sources/Image"),
        .target(name: "DotslashBinfmt", dependencies: ["DotslashDigest"], path: "Sources/Binfmt"),
        .target(name: "DotslashEngine",
                dependencies: ["DotslashManifest", "DotslashStore", "DotslashFetch", "DotslashImage",
                               "DotslashBinfmt", "RunnerFormat", "CSystem"],
                path: "Sources/Engine"),
        .target(name: "DotslashCLI", dependencies: ["DotslashEngine", "DotslashManifest"],
                path: "Sources/CLI"),
        .executableTarget(name: "dotslash", dependencies: ["DotslashCLI"], path: "Sources/dotslash"),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ManifestTests", dependencies: ["DotslashManifest", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RunnerTests",
                    dependencies: ["RunnerFormat", "RunnerRuntime", "DotslashDigest", "DotslashStore", "TestSupport"]),
        .testTarget(name: "StoreTests",
                    dependencies: ["DotslashStore", "DotslashFetch", "DotslashDigest", "TestSupport"]),
        .testTarget(name: "BinfmtTests", dependencies: ["DotslashBinfmt", "TestSupport", "binfmt-probe"]),
        // Drives the binfmt library from a separate process, so the tests can
        // run it inside a private user namespace (Tests/Support/userns-run).
        .executableTarget(name: "binfmt-probe", dependencies: ["DotslashBinfmt"],
                          path: "Tests/BinfmtProbe"),
        // Fetches and extracts in a child process the store tests can kill -9, and
        // that the fetch and extract benchmarks time.
        .executableTarget(name: "store-probe",
                          dependencies: ["DotslashStore", "DotslashFetch", "DotslashDigest"],
                          path: "Tests/StoreProbe"),
        .testTarget(name: "ImageTests",
                    dependencies: ["DotslashImage", "DotslashStore", "DotslashFetch", "DotslashDigest", "TestSupport"]),
        .testTarget(name: "IntegrationTests",
                    dependencies: ["DotslashManifest", "DotslashBinfmt", "DotslashEngine", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
