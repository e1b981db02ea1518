/// A YAML node with the position where it starts. Aliases are already
/// resolved and merge keys (`<<`) applied by the reader.
struct YAMLNode: Sendable {
    enum Kind: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    var kind: Kind
    /// 1-based line and column of the node's first character.
    var line: Int
    var column: Int

    var typeName: String {
        switch kind {
        case .scalar(let scalar): return scalar.resolvedType.name
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }
}

struct YAMLPair: Sendable {
    var key: YAMLNode
    var value: YAMLNode
    /// The key's text when it is a scalar (mapping keys here always are).
    var keyText: String {
        if case .scalar(let scalar) = key.kind { return scalar.text }
        return ""
    }
}

struct YAMLScalar: Sendable {
    var text: String
    /// Plain (unquoted) scalars are resolved by the YAML 1.2 core schema;
    /// quoted and block scalars are always strings.
    var isPlain: Bool
    /// An explicit tag such as `!!str`, when present.
    var tag: String?

    enum ResolvedType: Sendable, Equatable {
        case null, bool(Bool), int(Int), float, string

        var name: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string: return "a string"
            }
        }
    }

    /// The value's type under the YAML 1.2 core schema.
    var resolvedType: ResolvedType {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool": return Self.bool(text).map { .bool($0) } ?? .string
            case "tag:yaml.org,2002:int": return Self.int(text).map { .int($0) } ?? .string
            default: break
            }
        }
        guard isPlain else { return .string }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        if let value = Self.bool(text) { return .bool(value) }
        if let value = Self.int(text) { return .int(value) }
        if Self.isFloat(text) { return .float }
        return .string
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    static func int(_ text: String) -> Int? {
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    static func isFloat(_ text: String) -> Bool {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.Inf", "+.Inf", "-.INF", "+.INF", ".nan", ".NaN", ".NAN":
            return true
        default:
            break
        }
        guard text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return false }
        return Double(text) != nil
    }
}
