/// A set of TCP ports as 65,536 bits (8 KiB): constant-time membership on the per-socket path.
public struct PortSet: Sendable, Equatable {
    private var bits: [UInt64] = Array(repeating: 0, count: 1024)

    public init() {}

    public init(_ ports: some Sequence<UInt16>) {
        for p in ports { insert(p) }
    }

    @inline(__always)
    public mutating func insert(_ port: UInt16) {
        bits[Int(port) >> 6] |= 1 << (UInt64(port) & 63)
    }

    @inline(__always)
    public func contains(_ port: UInt16) -> Bool {
        bits[Int(port) >> 6] & (1 << (UInt64(port) & 63)) != 0
    }
}
