/// Sizes, offsets and constants of the sock_diag netlink messages, from the kernel's UAPI
/// headers (linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h). All fields are in host
/// byte order except ports and addresses (network order), as the kernel writes them.
enum SockDiagLayout {
    // linux/netlink.h
    static let netlinkSockDiag: Int32 = 4  // NETLINK_SOCK_DIAG
    static let headerSize = 16  // struct nlmsghdr: len u32, type u16, flags u16, seq u32, pid u32
    static let messageNoop: UInt16 = 1  // NLMSG_NOOP
    static let messageError: UInt16 = 2  // NLMSG_ERROR: i32 error, then the request's header
    static let messageDone: UInt16 = 3  // NLMSG_DONE
    static let flagRequest: UInt16 = 0x1  // NLM_F_REQUEST
    static let flagDump: UInt16 = 0x300  // NLM_F_ROOT | NLM_F_MATCH
    static let flagDumpInterrupted: UInt16 = 0x10  // NLM_F_DUMP_INTR: tables changed during the dump

    // linux/sock_diag.h
    static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY

    // linux/inet_diag.h
    /// struct inet_diag_req_v2: family u8, protocol u8, ext u8, pad u8, states u32, sockid (48).
    static let requestSize = 56
    /// struct inet_diag_msg: family u8, state u8, timer u8, retrans u8, id (48), expires u32,
    /// rqueue u32, wqueue u32, uid u32, inode u32.
    static let messageSize = 72
    /// Offsets in inet_diag_msg; the sockid starts at 4: sport be16, dport be16, src [16], dst [16],
    /// if u32, cookie [2]u32.
    static let offFamily = 0
    static let offState = 1
    static let offTimer = 2
    static let offRetrans = 3
    static let offSourcePort = 4
    static let offDestinationPort = 6
    static let offSource = 8
    static let offDestination = 24
    static let offRQueue = 56
    static let offWQueue = 60
    static let offUID = 64
    static let offInode = 68
    /// INET_DIAG_INFO: struct tcp_info of the socket (full sockets only, not TIME_WAIT or requests).
    static let attributeInfo: UInt16 = 2
    /// rtattr type bits that are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER), not the type.
    static let attributeTypeMask: UInt16 = 0x3FFF
    static let attributeHeaderSize = 4  // struct rtattr: len u16, type u16

    /// NLMSG_ALIGN / RTA_ALIGN: 4-byte alignment.
    @inline(__always)
    static func align(_ n: Int) -> Int { (n + 3) & ~3 }
}
