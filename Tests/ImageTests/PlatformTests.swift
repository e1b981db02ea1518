import DotslashDigest
@testable import DotslashImage
import Testing

@Suite struct PlatformTests {
    @Test func unameMachinesMapToOCINames() {
        #expect(Platform(linuxMachine: "x86_64").description == "linux/amd64")
        #expect(Platform(linuxMachine: "aarch64").description == "linux/arm64/v8")
        #expect(Platform(linuxMachine: "armv7l").description == "linux/arm/v7")
        #expect(Platform(linuxMachine: "armv6l").description == "linux/arm/v6")
        #expect(Platform(linuxMachine: "i686").description == "linux/386")
        #expect(Platform(linuxMachine: "ppc64le").description == "linux/ppc64le")
        #expect(Platform(linuxMachine: "s390x").description == "linux/s390x")
        #expect(Platform(linuxMachine: "riscv64").description == "linux/riscv64")
    }

    @Test func variantsRank() throws {
        let arm64 = Platform(linuxMachine: "aarch64")
        #expect(arm64.rank(Platform(os: "linux", architecture: "arm64")) == 0)
        #expect(arm64.rank(Platform(os: "linux", architecture: "arm64", variant: "v8")) == 0)
        #expect(arm64.rank(Platform(os: "linux", architecture: "amd64")) == nil)
        let armv7 = Platform(linuxMachine: "armv7l")
        #expect(armv7.rank(Platform(os: "linux", architecture: "arm", variant: "v7")) == 0)
        #expect(armv7.rank(Platform(os: "linux", architecture: "arm")) == 1)
        #expect(armv7.rank(Platform(os: "linux", architecture: "arm", variant: "v6")) == 3)
        #expect(Platform(linuxMachine: "armv6l").rank(Platform(os: "linux", architecture: "arm", variant: "v7")) == nil)
        let amd64 = Platform(linuxMachine: "x86_64")
        #expect(amd64.rank(Platform(os: "linux", architecture: "amd64", variant: "v1")) == 0)
        #expect(amd64.rank(Platform(os: "linux", architecture: "amd64", variant: "v3")) == nil)
        #expect(amd64.rank(Platform(os: "windows", architecture: "amd64")) == nil)
    }

    func entry(_ platform: String?, _ fill: UInt8) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: Digest(bytes: [UInt8](repeating: fill, count: 32)), size: 100,
                   platform: platform.flatMap(Platform.init(parsing:)))
    }

    @Test func indexSelectionPicksTheHostAndSkipsAttestations() throws {
        let amd64 = Platform(linuxMachine: "x86_64")
        let entries = [entry("linux/arm64/v8", 1), entry("unknown/unknown", 2), entry("linux/amd64", 3), entry("linux/amd64", 4)]
        #expect(try PlatformSelector.select(entries, for: amd64, reference: "x").digest == entries[2].digest)
        let arm64 = Platform(linuxMachine: "aarch64")
        #expect(try PlatformSelector.select(entries, for: arm64, reference: "x").digest == entries[0].digest)
        // An exact variant beats a missing one, wherever it stands.
        let armv7 = Platform(linuxMachine: "armv7l")
        let arm = [entry("linux/arm", 5), entry("linux/arm/v6", 6), entry("linux/arm/v7", 7)]
        #expect(try PlatformSelector.select(arm, for: armv7, reference: "x").digest == arm[2].digest)
    }

    @Test func noMatchingPlatformListsWhatThereIs() {
        let entries = [entry("linux/arm64/v8", 1), entry("linux/s390x", 2), entry("unknown/unknown", 3)]
        do {
            _ = try PlatformSelector.select(entries, for: Platform(linuxMachine: "x86_64"), reference: "img")
            Issue.record("selected something")
        } catch let error as ImageError {
            #expect(error.kind == .platform)
            #expect(error.description.contains("linux/arm64/v8, linux/s390x only"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func anIndexOfOneUnlabelledImageIsThatImage() throws {
        let only = entry(nil, 9)
        #expect(try PlatformSelector.select([only], for: .host, reference: "x") == only)
    }
}
