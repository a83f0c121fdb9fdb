import NIOCore

/// Splits the byte stream into size-prefixed Kafka responses, refusing frames larger than
/// `maxFrameBytes` so a confused peer (e.g. a TLS or HTTP server on the port) cannot make us
/// allocate gigabytes.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= maxFrameBytes else {
            throw KafkaConnectionError.invalidFrame(size: Int(size), max: maxFrameBytes, hint: Self.hint(buffer))
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(size))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Recognisable non-Kafka answers, for a clear error.
    static func hint(_ buffer: ByteBuffer) -> String? {
        guard let head = buffer.getBytes(at: buffer.readerIndex, length: min(5, buffer.readableBytes)) else {
            return nil
        }
        if head.first == 0x15 || head.first == 0x16 { return "the peer answered with TLS: is this a TLS listener?" }
        if head.starts(with: Array("HTTP/".utf8)) { return "the peer answered with HTTP: not a Kafka port" }
        return nil
    }
}
