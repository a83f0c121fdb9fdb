/// Helpers used by the generated message code (scripts/kafka-codegen): classic or compact
/// encodings chosen at run time, with length and nullability checks that throw
/// `KafkaEncodingError` instead of truncating.
extension KafkaWriter {
    /// (COMPACT_)(NULLABLE_)STRING. Nil is written as null only when `nullable`.
    mutating func writeString(
        _ s: String?,
        flexible: Bool,
        nullable: Bool = false,
        _ field: String,
        _ message: String,
        _ version: Int16
    ) throws(KafkaEncodingError) {
        guard let s else {
            guard nullable else { throw KafkaEncodingError(.nullNotAllowed(field), message: message, version: version) }
            return flexible ? writeCompactNullableString(nil) : writeNullableString(nil)
        }
        let count = s.utf8.count
        guard flexible || count <= Int(Int16.max) else {
            throw KafkaEncodingError(.tooLong(field, count: count), message: message, version: version)
        }
        flexible ? writeCompactString(s) : writeString(s)
    }

    /// (COMPACT_)(NULLABLE_)BYTES. Nil is written as null only when `nullable`.
    mutating func writeBytes<C: Collection>(
        _ b: C?,
        flexible: Bool,
        nullable: Bool = false,
        _ field: String,
        _ message: String,
        _ version: Int16
    ) throws(KafkaEncodingError) where C.Element == UInt8 {
        guard let b else {
            guard nullable else { throw KafkaEncodingError(.nullNotAllowed(field), message: message, version: version) }
            return flexible ? writeCompactNullableBytes(C?.none) : writeNullableBytes(C?.none)
        }
        guard b.count < Int(Int32.max) else {
            throw KafkaEncodingError(.tooLong(field, count: b.count), message: message, version: version)
        }
        flexible ? writeCompactNullableBytes(b) : writeNullableBytes(b)
    }

    /// Array length, classic or compact. Nil is written as null only when `nullable`.
    mutating func writeArrayCount(
        _ count: Int?,
        flexible: Bool,
        nullable: Bool = false,
        _ field: String,
        _ message: String,
        _ version: Int16
    ) throws(KafkaEncodingError) {
        guard let count else {
            guard nullable else { throw KafkaEncodingError(.nullNotAllowed(field), message: message, version: version) }
            return writeArrayCount(nil, compact: flexible)
        }
        guard count < Int(Int32.max) else {
            throw KafkaEncodingError(.tooLong(field, count: count), message: message, version: version)
        }
        writeArrayCount(count, compact: flexible)
    }
}
