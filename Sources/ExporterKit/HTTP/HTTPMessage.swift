import NIOCore
import NIOHTTP1

/// A complete request as the routes see it (the body is bounded by the server).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without query string.
    public var path: String {
        guard let q = uri.firstIndex(of: "?") else { return uri }
        return String(uri[..<q])
    }

    /// Query parameters, percent-decoded.
    public var query: [String: String] {
        guard let q = uri.firstIndex(of: "?") else { return [:] }
        var out: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).removingPercentEncodingLenient()
            out[k] = kv.count > 1 ? String(kv[1]).removingPercentEncodingLenient() : ""
        }
        return out
    }
}

public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    private var bytes: [UInt8]
    /// A body already in NIO's buffer type (large `/metrics` answers): written without a copy.
    public private(set) var buffer: ByteBuffer?

    public var body: [UInt8] {
        get { buffer.map { Array($0.readableBytesView) } ?? bytes }
        set {
            bytes = newValue
            buffer = nil
        }
    }

    public var bodyCount: Int { buffer?.readableBytes ?? bytes.count }

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.bytes = body
    }

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], buffer: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.bytes = []
        self.buffer = buffer
    }

    public static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    public static func html(_ html: String) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
    }

    public static func json(_ status: HTTPResponseStatus = .ok, _ json: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: json)
    }

    public static func methodNotAllowed(allow: String) -> HTTPResponse {
        var r = text(.methodNotAllowed, "405 method not allowed\n")
        r.headers.replaceOrAdd(name: "Allow", value: allow)
        return r
    }
}

/// Something that answers requests; the server calls it off the event loop.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async -> HTTPResponse
}

extension String {
    /// Percent-decodes, keeping malformed escapes as they are. `plusAsSpace`: a query string's
    /// `+` is a space; in a path it is a `+`.
    public func removingPercentEncodingLenient(plusAsSpace: Bool = true) -> String {
        var bytes: [UInt8] = []
        var it = Array(utf8.map { plusAsSpace && $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 })[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
                let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// Percent-encodes all but RFC 3986's unreserved characters, so that any name (`a/b?c#d`)
    /// is exactly one path segment of a link.
    public var percentEncodedPathSegment: String {
        var out = ""
        for b in utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    fileprivate func leftPadded(to n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}
