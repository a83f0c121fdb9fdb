import ExporterKit
import NIOPosix
import Synchronization

/// Reads the socket table once for all collectors of a scrape.
///
/// The tcp, peers and processes collectors run concurrently and all need the table;
/// concurrent callers share one read, so enabling
/// more collectors does not multiply the /proc cost, which dominates a scrape.
public final class TCPTableSource: Sendable {
    /// Where the table is read from.
    public enum Backend: Sendable {
        case procfs
        /// One socket for all scrapes (`scan()` runs one read at a time).
        case netlink(SockDiagSocket)

        public var name: String {
            switch self {
            case .procfs: "procfs"
            case .netlink: "netlink"
            }
        }
    }

    public let procfs: String
    public let backend: Backend
    private let state = Mutex<State>(State())
    /// One reader buffer, reused across scrapes (grows to the largest file seen).
    private let readers = Mutex<[ProcFileReaderBox]>([])

    private struct State {
        var inFlight: Task<TCPScan, any Error>?
    }

    public let options: TCPScanOptions

    public init(procfs: String, options: TCPScanOptions, backend: Backend = .procfs) {
        self.procfs = procfs
        self.backend = backend
        var options = options
        if case .procfs = backend { options.info = false }
        self.options = options
    }

    /// Joins a read in progress or starts one. Results are not kept afterwards: every
    /// scrape sees the sockets of its own moment.
    public func scan() async throws -> TCPScan {
        let task = state.withLock { s -> Task<TCPScan, any Error> in
            if let inFlight = s.inFlight { return inFlight }
            let t = Task { try await self.readOffLoop() }
            s.inFlight = t
            return t
        }
        return try await task.value
    }

    /// Blocking reads go to NIO's thread pool, not the cooperative pool.
    private func readOffLoop() async throws -> TCPScan {
        let procfs = self.procfs
        let options = self.options
        if case .netlink(let socket) = backend {
            do {
                let scan = try await NIOThreadPool.singleton.runIfActive {
                    try TCPScan.dump(socket: socket, options: options)
                }
                state.withLock { $0.inFlight = nil }
                return scan
            } catch {
                state.withLock { $0.inFlight = nil }
                throw error
            }
        }
        let box = readers.withLock { $0.popLast() } ?? ProcFileReaderBox()
        defer { readers.withLock { $0.append(box) } }
        let result: Result<TCPScan, any Error>
        do {
            result = .success(
                try await NIOThreadPool.singleton.runIfActive {
                    try TCPScan.read(procfs: procfs, reader: box.reader, options: options)
                })
        } catch {
            result = .failure(error)
        }
        state.withLock { $0.inFlight = nil }
        return try result.get()
    }
}

/// The reader is not thread-safe; the box is handed to one read at a time.
final class ProcFileReaderBox: @unchecked Sendable {
    let reader = ProcFileReader()
}
