import DotslashBinfmt

/// Turns one language's YAML mapping into a `Language`, reporting every
/// problem with its place. Rules that span languages (unique names and
/// extensions) live in `ManifestLoader`.
struct LanguageDecoder {
    static let languageKeys = [
        "description", "extensions", "magic", "rootfs", "interpreter", "env", "shebang", "network", "mounts", "binfmt",
    ]
    static let rootfsKeys = ["url", "sha256", "size", "image"]
    static let magicKeys = ["hex", "offset", "mask"]
    static let binfmtKeys = ["preserve-argv0", "open-binary", "credentials"]

    /// Where runners will live, to size register strings (section 3).
    let runnersDirectory: String

    /// A language plus where each of its extensions was written. `isValid`
    /// is false when any of its parts had an error; the extensions that
    /// parsed are still there, so clashes with other languages are found.
    struct Decoded {
        var language: Language
        var extensionNodes: [YAMLNode]
        var magicNodes: [YAMLNode]
        var isValid: Bool
    }

    func decode(name: String, nameNode: YAMLNode, spec: YAMLNode, report: inout Report) -> Decoded? {
        let errorsBefore = report.diagnostics.errors.count
        if let problem = Rules.languageName(name) { report.error(problem, at: nameNode) }
        let context = "language '\(name)'"
        guard let pairs = report.mapping(spec, "the spec of \(context)") else { return nil }
        let reader = MappingReader(pairs, context: context, allowedKeys: Self.languageKeys)
        reader.checkKeys(into: &report)

        var language = Language(
            name: name, rootfs: .tarball(url: "", sha256: "", size: nil), interpreter: [],
            location: report.location(of: nameNode))
        var extensionNodes: [YAMLNode] = []
        var magicNodes: [YAMLNode] = []

        if let pair = reader.value("description") {
            language.description = report.string(pair.value, "'description' of \(context)")
        }
        if let pair = reader.value("extensions") {
            let list = report.strings(pair.value, "'extensions' of \(context)", hint: "; write [\(Self.scalarText(pair.value) ?? "py")]")
            for (ext, node) in list ?? [] {
                if let problem = Rules.fileExtension(ext) {
                    report.error(problem, at: node)
                } else if language.extensions.contains(ext) {
                    report.error("extension '\(ext)' is listed twice in \(context)", at: node)
                } else {
                    language.extensions.append(ext)
                    extensionNodes.append(node)
                }
            }
        }
        if let pair = reader.value("magic") {
            for item in report.sequence(pair.value, "'magic' of \(context)", hint: "; write '- hex: \"...\"' items") ?? [] {
                if let rule = decodeMagic(item, context: context, report: &report) {
                    language.magic.append(rule)
                    magicNodes.append(item)
                }
            }
        }
        if language.extensions.isEmpty, language.magic.isEmpty, report.diagnostics.errors.count == errorsBefore {
            report.error("\(context) needs at least one extension or magic rule to be recognised by", at: nameNode)
        }

        if let pair = reader.value("rootfs") {
            if let source = decodeRootfs(pair.value, context: context, report: &report) { language.rootfs = source }
        } else {
            report.error("\(context) has no 'rootfs'; add 'rootfs: {url: ..., sha256: ...}' or 'rootfs: {image: ...}'", at: nameNode)
        }

        if let pair = reader.value("interpreter") {
            decodeInterpreter(pair.value, into: &language, context: context, report: &report)
        } else {
            report.error("\(context) has no 'interpreter'; add e.g. 'interpreter: [/usr/bin/python3]'", at: nameNode)
        }

        if let pair = reader.value("env"), let envPairs = report.mapping(pair.value, "'env' of \(context)") {
            for envPair in envPairs {
                if let problem = Rules.environmentName(envPair.keyText) {
                    report.error(problem, at: envPair.key)
                } else if let value = report.string(envPair.value, "env value of '\(envPair.keyText)'", allowNumbers: false) {
                    language.env.append(EnvironmentVariable(name: envPair.keyText, value: value))
                }
            }
        }
        if let pair = reader.value("shebang"), let value = report.choice(pair.value, "'shebang' of \(context)", as: ShebangPolicy.self) {
            language.shebang = value
        }
        if let pair = reader.value("network"), let value = report.choice(pair.value, "'network' of \(context)", as: NetworkMode.self) {
            language.network = value
        }
        if let pair = reader.value("mounts") {
            for (text, node) in report.strings(pair.value, "'mounts' of \(context)", hint: "; write [\"/host:/container:ro\"]") ?? [] {
                switch Rules.mount(text) {
                case .success(let mount): language.mounts.append(mount)
                case .failure(let problem): report.error(problem.message, at: node)
                }
            }
        }
        if let pair = reader.value("binfmt") {
            decodeBinfmt(pair.value, into: &language, context: context, report: &report)
        }

        if report.diagnostics.errors.count == errorsBefore {
            checkRegisterStrings(language, nameNode: nameNode, magicNodes: magicNodes, report: &report)
        }
        return Decoded(language: language, extensionNodes: extensionNodes, magicNodes: magicNodes,
                       isValid: report.diagnostics.errors.count == errorsBefore)
    }

    private func decodeMagic(_ node: YAMLNode, context: String, report: inout Report) -> MagicRule? {
        guard let pairs = report.mapping(node, "each 'magic' item of \(context)", hint: "; write '- hex: \"...\"'") else {
            return nil
        }
        let reader = MappingReader(pairs, context: "a magic rule of \(context)", allowedKeys: Self.magicKeys)
        reader.checkKeys(into: &report)
        guard let hexPair = reader.value("hex") else {
            report.error("a magic rule of \(context) has no 'hex'", at: node)
            return nil
        }
        var rule = MagicRule(bytes: [])
        var ok = true
        if let text = report.string(hexPair.value, "magic 'hex'") {
            switch Rules.hexBytes(text, what: "magic hex") {
            case .success(let bytes): rule.bytes = bytes
            case .failure(let problem): report.error(problem.message, at: hexPair.value); ok = false
            }
        } else {
            ok = false
        }
        if let pair = reader.value("offset") {
            if let offset = report.int(pair.value, "magic 'offset'") { rule.offset = offset } else { ok = false }
        }
        if let pair = reader.value("mask") {
            if let text = report.string(pair.value, "magic 'mask'") {
                switch Rules.hexBytes(text, what: "magic mask") {
                case .success(let mask) where ok && mask.count != rule.bytes.count:
                    report.error("magic mask has \(mask.count) bytes but its hex has \(rule.bytes.count); they must be the same length", at: pair.value)
                    ok = false
                case .success(let mask): rule.mask = mask
                case .failure(let problem): report.error(problem.message, at: pair.value); ok = false
                }
            } else {
                ok = false
            }
        }
        guard ok else { return nil }
        if let problem = Rules.magic(rule) {
            let offsetProblem = rule.offset < 0 || rule.offset + rule.bytes.count > Rules.kernelBufferSize
            report.error(problem, at: offsetProblem ? (reader.value("offset")?.value ?? hexPair.value) : hexPair.value)
            return nil
        }
        return rule
    }

    private func decodeRootfs(_ node: YAMLNode, context: String, report: inout Report) -> RootfsSource? {
        guard let pairs = report.mapping(node, "'rootfs' of \(context)", hint: "; write 'rootfs: {url: ..., sha256: ...}'") else {
            return nil
        }
        let reader = MappingReader(pairs, context: "the rootfs of \(context)", allowedKeys: Self.rootfsKeys)
        reader.checkKeys(into: &report)
        let url = reader.value("url"), sha = reader.value("sha256"), image = reader.value("image")
        let size = reader.value("size")

        if let image {
            if let url {
                report.error("the rootfs of \(context) has both 'url' and 'image'; keep one", at: url.key)
                return nil
            }
            if let sha {
                report.error("'sha256' pins a tarball url; pin an image with '@sha256:' in its reference instead", at: sha.key)
                return nil
            }
            if let size {
                report.error("'size' applies to a tarball url, not to an image", at: size.key)
                return nil
            }
            guard let reference = report.string(image.value, "rootfs 'image'", allowNumbers: false) else { return nil }
            if let problem = Rules.imageReference(reference) {
                report.error(problem, at: image.value)
                return nil
            }
            return .image(reference: reference)
        }
        guard let url else {
            report.error("the rootfs of \(context) needs 'url' and 'sha256', or 'image'", at: node)
            return nil
        }
        var valid = true
        let urlText = report.string(url.value, "rootfs 'url'", allowNumbers: false)
        if let urlText, let problem = Rules.url(urlText) {
            report.error(problem, at: url.value)
            valid = false
        }
        var digest: String?
        if let sha {
            digest = report.string(sha.value, "rootfs 'sha256'")
            if let text = digest, let problem = Rules.sha256(text) {
                report.error(problem, at: sha.value)
                valid = false
            }
        } else {
            report.error("the rootfs url of \(context) needs 'sha256' (64 hex digits) to pin its content; `sha256sum FILE` prints it", at: url.key)
            valid = false
        }
        var expectedSize: Int64?
        if let size {
            if let value = report.int(size.value, "rootfs 'size'") {
                if value > 0 { expectedSize = Int64(value) } else {
                    report.error("rootfs 'size' must be a positive number of bytes", at: size.value)
                    valid = false
                }
            } else {
                valid = false
            }
        }
        guard valid, let urlText, let digest else { return nil }
        return .tarball(url: urlText, sha256: digest.lowercased(), size: expectedSize)
    }

    private func decodeInterpreter(_ node: YAMLNode, into language: inout Language, context: String, report: inout Report) {
        let hint = Self.scalarText(node).map { "; write it as a list: [\($0.split(separator: " ").joined(separator: ", "))]" } ?? ""
        guard let list = report.strings(node, "'interpreter' of \(context)", hint: hint) else { return }
        guard let first = list.first else {
            report.error("'interpreter' of \(context) is empty; name the interpreter inside the rootfs, e.g. [/usr/bin/python3]", at: node)
            return
        }
        if !Rules.isNormalisedAbsolutePath(first.0) {
            report.error("interpreter '\(first.0)' must be an absolute path inside the rootfs without '.', '..' or repeated '/'", at: first.1)
            return
        }
        language.interpreter = list.map(\.0)
    }

    private func decodeBinfmt(_ node: YAMLNode, into language: inout Language, context: String, report: inout Report) {
        guard let pairs = report.mapping(node, "'binfmt' of \(context)") else { return }
        let reader = MappingReader(pairs, context: "the binfmt flags of \(context)", allowedKeys: Self.binfmtKeys)
        reader.checkKeys(into: &report)
        if let pair = reader.value("preserve-argv0"), let value = report.bool(pair.value, "'preserve-argv0'") {
            language.binfmt.preserveArgv0 = value
        }
        if let pair = reader.value("open-binary"), let value = report.bool(pair.value, "'open-binary'") {
            language.binfmt.openBinary = value
        }
        if let pair = reader.value("credentials"), let value = report.bool(pair.value, "'credentials'") {
            language.binfmt.credentials = value
            if value && !language.binfmt.openBinary {
                report.error("'credentials: true' requires 'open-binary: true' (the kernel's C flag implies O)", at: pair.value)
            } else if value {
                report.warning("'credentials: true' (flag C) runs the interpreter of a setuid script with the script owner's privileges; enable it only for interpreters you trust (see docs/security.md)", at: pair.value)
            }
        }
    }

    /// Design section 1: every register string must fit the kernel's limit,
    /// checked by rendering the entries `apply` would register.
    private func checkRegisterStrings(_ language: Language, nameNode: YAMLNode, magicNodes: [YAMLNode], report: inout Report) {
        let runner = "\(runnersDirectory)/\(language.name)-0123456789abcdef"
        let entries = DesiredEntries.make(for: language, runnerPath: runner)
        for (entry, index) in zip(entries, 0...) {
            do {
                try RegisterString.preflight(entry)
            } catch let error as BinfmtError {
                let magicIndex = index - language.extensions.count
                let node = magicIndex >= 0 && magicIndex < magicNodes.count ? magicNodes[magicIndex] : nameNode
                if case .registerStringTooLong(_, let length, let limit) = error {
                    report.error("the register string of '\(entry.name)' would be \(length) bytes; the kernel takes at most \(limit) (each magic and mask byte is written as \\xHH): shorten the magic or drop the mask", at: node)
                } else {
                    report.error("binfmt entry '\(entry.name)' cannot be registered: \(error.message)", at: node)
                }
            } catch {
                report.error("binfmt entry '\(entry.name)' cannot be registered: \(error)", at: nameNode)
            }
        }
    }

    private static func scalarText(_ node: YAMLNode) -> String? {
        if case .scalar(let scalar) = node.kind { return scalar.text }
        return nil
    }
}
