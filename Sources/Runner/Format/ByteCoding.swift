/// Little-endian, length-prefixed primitives for the trailer and the
/// settings encoding.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// u32 byte count, then the UTF-8 bytes.
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(UInt32(truncatingIfNeeded: utf8.count))
        raw(utf8)
    }

    /// u32 element count, then each string.
    mutating func strings(_ values: [String]) {
        u32(UInt32(truncatingIfNeeded: values.count))
        for value in values { string(value) }
    }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and names the
/// field it was reading when the bytes run out.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position = 0

    /// The largest string or list the settings may hold; a bigger length is
    /// corruption, not data.
    static let maximumCount = 1 << 20

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func u8(_ field: String) throws(RunnerFormatError) -> UInt8 {
        guard remaining >= 1 else { throw .corruptSettings("ends inside \(field)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32(_ field: String) throws(RunnerFormatError) -> UInt32 {
        guard remaining >= 4 else { throw .corruptSettings("ends inside \(field)") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << UInt32(8 * index) }
        position += 4
        return value
    }

    mutating func count(_ field: String) throws(RunnerFormatError) -> Int {
        let value = Int(try u32(field))
        guard value <= ByteReader.maximumCount else {
            throw .corruptSettings("\(field) claims \(value) elements or bytes")
        }
        return value
    }

    mutating func string(_ field: String) throws(RunnerFormatError) -> String {
        let length = try count("length of \(field)")
        guard remaining >= length else {
            throw .corruptSettings("\(field) claims \(length) bytes but only \(remaining) remain")
        }
        var copy = [UInt8](repeating: 0, count: length)
        for index in 0..<length { copy[index] = bytes[position + index] }
        position += length
        // Decoding repairs invalid UTF-8; a repaired string has other bytes.
        let text = String(decoding: copy, as: UTF8.self)
        guard text.utf8.elementsEqual(copy) else { throw .corruptSettings("\(field) is not valid UTF-8") }
        return text
    }

    mutating func strings(_ field: String) throws(RunnerFormatError) -> [String] {
        let count = try count("number of \(field)")
        var values: [String] = []
        for index in 0..<count { values.append(try string("\(field)[\(index)]")) }
        return values
    }
}

/// Little-endian integers at fixed offsets of a byte buffer (the trailer).
enum LittleEndian {
    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        return value
    }

    static func u64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        return value
    }
}
