/// One socket row of /proc/net/tcp or /proc/net/tcp6.
///
/// `state` and `timer` keep the raw kernel codes so unknown values from newer
/// kernels survive; use `tcpState` / `tcpTimer` for the typed view.
public struct TCPSocketRow: Sendable, Equatable {
    public var localAddress: IPAddress16
    public var localPort: UInt16
    public var remoteAddress: IPAddress16
    public var remotePort: UInt16
    public var state: UInt8
    public var txQueue: UInt32
    /// On LISTEN rows: the current accept-queue length.
    public var rxQueue: UInt32
    public var timer: UInt8
    /// Unrecovered retransmits (`retrnsmt`).
    public var retransmits: UInt32
    public var uid: UInt32
    /// 0 for TIME_WAIT and SYN_RECV (request) sockets.
    public var inode: UInt64

    public init(
        localAddress: IPAddress16 = .zero, localPort: UInt16 = 0,
        remoteAddress: IPAddress16 = .zero, remotePort: UInt16 = 0,
        state: UInt8 = 0, txQueue: UInt32 = 0, rxQueue: UInt32 = 0,
        timer: UInt8 = 0, retransmits: UInt32 = 0, uid: UInt32 = 0, inode: UInt64 = 0
    ) {
        self.localAddress = localAddress
        self.localPort = localPort
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.state = state
        self.txQueue = txQueue
        self.rxQueue = rxQueue
        self.timer = timer
        self.retransmits = retransmits
        self.uid = uid
        self.inode = inode
    }

    public var tcpState: TCPState? { TCPState(rawValue: state) }
    public var tcpTimer: TCPTimer? { TCPTimer(rawValue: timer) }
}
