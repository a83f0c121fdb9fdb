// The client's users see one module: the wire format (messages, error codes, record decoding)
// lives in KafkaProtocol, below the connection layer, and comes with KafkaWire.
@_exported import KafkaProtocol
