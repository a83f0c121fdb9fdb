/// `--collector.tcp.states`: the TCP states counted. The netlink source asks the kernel for
/// these states only, so sockets in other states (100k TIME_WAIT) are never copied out.
public struct TCPStateFilter: Sendable, Equatable {
    /// A bit per state slot (`TCPSummary.stateSlot`), bit 0 for unknown codes.
    public let slots: UInt32

    public static let all = TCPStateFilter(slots: 0xFFFF_FFFF)

    init(slots: UInt32) { self.slots = slots }

    /// "all", or a comma list of state labels (`established,close_wait`).
    public init(parsing spec: String) throws(ConfigErrorText) {
        let names = spec.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        if names == ["all"] {
            self = .all
            return
        }
        var slots: UInt32 = 0
        for name in names {
            guard let state = TCPState.allCases.first(where: { $0.label == name && $0 != .newSynRecv }) else {
                let known = TCPState.allCases.filter { $0 != .newSynRecv }.map(\.label).joined(separator: ", ")
                throw ConfigErrorText("unknown state '\(name)' (known: all, \(known))")
            }
            slots |= 1 << UInt32(state.rawValue)
        }
        guard slots != 0 else { throw ConfigErrorText("no state given") }
        self.slots = slots
    }

    public var isAll: Bool { self == .all }

    @inline(__always)
    public func counts(_ code: UInt8) -> Bool { slots & (1 << UInt32(TCPSummary.stateSlot(code))) != 0 }

    /// The `idiag_states` mask of a dump: these states, LISTEN always (direction needs the
    /// listeners), and request sockets (NEW_SYN_RECV) with SYN_RECV.
    public var kernelMask: UInt32 {
        if isAll { return 0xFFFF_FFFF }
        var mask = slots | 1 << UInt32(TCPState.listen.rawValue)
        if slots & 1 << UInt32(TCPState.synRecv.rawValue) != 0 { mask |= 1 << UInt32(TCPState.newSynRecv.rawValue) }
        return mask
    }
}

/// A flag value error, turned into a ValidationError by the options.
public struct ConfigErrorText: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
