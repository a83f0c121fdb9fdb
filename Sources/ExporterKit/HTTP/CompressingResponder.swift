import NIOCore

/// gzip-compresses answers when the client accepts it. Done before the response reaches the
/// channel so a HEAD answer carries the same Content-Length and Content-Encoding a GET would
/// (a compressing channel handler only sees HEAD's empty body), and runs off the event loop.
struct CompressingResponder: HTTPResponder {
    let inner: any HTTPResponder

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        var response = await inner.respond(to: request)
        guard response.bodyCount > 0 else { return response }
        // The encoding of any answer with a body depends on Accept-Encoding: caches must know.
        if !response.headers[canonicalForm: "Vary"].contains(where: { $0.lowercased() == "accept-encoding" }) {
            response.headers.add(name: "Vary", value: "Accept-Encoding")
        }
        guard Gzip.isAccepted(by: request.headers[canonicalForm: "Accept-Encoding"].joined(separator: ",")),
            response.headers.first(name: "Content-Encoding") == nil
        else { return response }
        let body = response.buffer ?? ByteBuffer(bytes: response.body)
        guard let compressed = Gzip.compress(body) else { return response }
        response = HTTPResponse(status: response.status, headers: response.headers, buffer: compressed)
        response.headers.replaceOrAdd(name: "Content-Encoding", value: "gzip")
        return response
    }
}
