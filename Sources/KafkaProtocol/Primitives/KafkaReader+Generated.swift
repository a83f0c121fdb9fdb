/// Helpers used by the generated message code (scripts/kafka-codegen): pick the classic or
/// compact encoding at run time and enforce the version's nullability.
extension KafkaReader {
    /// STRING or COMPACT_STRING; null is an error.
    mutating func readString(flexible: Bool, _ field: String) throws(KafkaDecodingError) -> String {
        flexible ? try readCompactString(field) : try readString(field)
    }

    /// (COMPACT_)NULLABLE_STRING; null is an error unless `nullable`.
    mutating func readNullableString(
        flexible: Bool,
        nullable: Bool,
        _ field: String
    ) throws(KafkaDecodingError) -> String? {
        let s = flexible ? try readCompactNullableString(field) : try readNullableString(field)
        if s == nil, !nullable { throw fail(.invalidValue("null for a non-nullable string"), field) }
        return s
    }

    /// (COMPACT_)NULLABLE_BYTES without copying; null is an error unless `nullable`.
    mutating func readBytesSlice(
        flexible: Bool,
        nullable: Bool,
        _ field: String
    ) throws(KafkaDecodingError) -> ArraySlice<UInt8>? {
        let b = flexible ? try readCompactNullableBytes(field) : try readNullableBytes(field)
        if b == nil, !nullable { throw fail(.invalidValue("null for non-nullable bytes"), field) }
        return b
    }

    /// BYTES or COMPACT_BYTES, copied; null is an error.
    mutating func readBytes(flexible: Bool, _ field: String) throws(KafkaDecodingError) -> [UInt8] {
        guard let b = try readBytesSlice(flexible: flexible, nullable: false, field) else { return [] }
        return Array(b)
    }

    /// (COMPACT_)NULLABLE_BYTES, copied.
    mutating func readNullableBytes(
        flexible: Bool,
        nullable: Bool,
        _ field: String
    ) throws(KafkaDecodingError) -> [UInt8]? {
        try readBytesSlice(flexible: flexible, nullable: nullable, field).map { Array($0) }
    }

    /// Array length (classic or compact); null is an error unless `nullable`. The count is
    /// validated against the remaining bytes by `readArrayCount`.
    mutating func readArrayCount(
        flexible: Bool,
        nullable: Bool,
        _ field: String
    ) throws(KafkaDecodingError) -> Int? {
        let n = try readArrayCount(compact: flexible, field)
        if n == nil, !nullable { throw fail(.invalidValue("null for a non-nullable array"), field) }
        return n
    }

    /// Array length for a field whose Swift type is not optional.
    mutating func readArrayCount(flexible: Bool, _ field: String) throws(KafkaDecodingError) -> Int {
        try readArrayCount(flexible: flexible, nullable: false, field) ?? 0
    }

    /// Fails unless `version` is in `range` (generated decoders call this first).
    func checkVersion(_ version: Int16, _ range: ClosedRange<Int16>, _ message: String) throws(KafkaDecodingError) {
        guard range.contains(version) else { throw fail(.invalidValue("unsupported version \(version)"), message) }
    }
}
