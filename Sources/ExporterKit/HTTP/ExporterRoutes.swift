import NIOHTTP1
import Synchronization

/// The endpoints every exporter serves: the telemetry path, `/`, `/-/healthy`, `/-/ready`,
/// `POST /-/reload`, plus extra routes an exporter adds (e.g. Burrow's JSON API).
public struct ExporterRoutes: HTTPResponder {
    public var telemetryPath: String
    public var build: BuildInfo
    public var runner: ScrapeRunner
    public var maxConcurrentScrapes: Int
    /// Used when the scraper sends no X-Prometheus-Scrape-Timeout-Seconds (curl).
    public var defaultScrapeTimeout: Duration = .seconds(30)
    /// Taken off Prometheus's timeout so the answer arrives before Prometheus gives up.
    public var timeoutOffset: Duration = .milliseconds(500)
    public var isReady: @Sendable () -> Bool = { true }
    public var reload: @Sendable () async -> Result<Void, any Error> = { .success(()) }
    /// Extra HTML for the landing page (an exporter's status summary).
    public var landingExtras: @Sendable () async -> String = { "" }
    /// Extra routes tried before 404, by path prefix.
    public var extraRoutes: [(prefix: String, responder: any HTTPResponder)] = []
    /// Answers the telemetry path from the gathered self metrics instead of the standard
    /// encoder: a program serving metrics it did not collect (push-gateway) merges them in.
    public var telemetry: (@Sendable (_ own: [MetricFamily], _ request: HTTPRequest) async -> HTTPResponse)?
    private let inFlight = ScrapeLimiter()

    public init(telemetryPath: String, build: BuildInfo, runner: ScrapeRunner, maxConcurrentScrapes: Int) {
        self.telemetryPath = telemetryPath
        self.build = build
        self.runner = runner
        self.maxConcurrentScrapes = maxConcurrentScrapes
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        switch path {
        case telemetryPath:
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return await metrics(request)
        case "/":
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return .html(await LandingPage.render(build: build, telemetryPath: telemetryPath, extras: landingExtras()))
        case "/-/healthy":
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return .text(.ok, "Healthy\n")
        case "/-/ready":
            guard request.method == .GET || request.method == .HEAD else {
                return .methodNotAllowed(allow: "GET, HEAD")
            }
            return isReady() ? .text(.ok, "Ready\n") : .text(.serviceUnavailable, "Not ready\n")
        case "/-/reload":
            guard request.method == .POST || request.method == .PUT else {
                return .methodNotAllowed(allow: "POST, PUT")
            }
            switch await reload() {
            case .success: return .text(.ok, "Reloaded\n")
            case .failure(let error): return .text(.internalServerError, "Reload failed: \(error)\n")
            }
        default:
            for route in extraRoutes where path.hasPrefix(route.prefix) {
                return await route.responder.respond(to: request)
            }
            return .text(.notFound, "404 page not found\n")
        }
    }

    private func metrics(_ request: HTTPRequest) async -> HTTPResponse {
        guard inFlight.tryAcquire(max: maxConcurrentScrapes) else {
            return .text(
                .serviceUnavailable,
                "503 too many concurrent scrapes (limit \(maxConcurrentScrapes), --web.max-requests)\n")
        }
        defer { inFlight.release() }
        let timeout = Self.scrapeTimeout(
            header: request.headers.first(name: "X-Prometheus-Scrape-Timeout-Seconds"),
            default: defaultScrapeTimeout, offset: timeoutOffset)
        var scrape = await runner.scrape(timeout: timeout)
        if let telemetry { return await telemetry(scrape.materialized(), request) }
        let format = ExpositionFormat.negotiate(accept: request.headers.first(name: "Accept"))
        let gzip = Gzip.isAccepted(by: request.headers[canonicalForm: "Accept-Encoding"].joined(separator: ","))
        // Compressed as it is written; CompressingResponder leaves an encoded answer alone.
        let (body, gzipped) = scrape.body(format: format, gzip: gzip)
        var headers: HTTPHeaders = ["Content-Type": format.contentType]
        if gzipped { headers.add(name: "Content-Encoding", value: "gzip") }
        return HTTPResponse(status: .ok, headers: headers, buffer: body)
    }

    static func scrapeTimeout(header: String?, default: Duration, offset: Duration) -> Duration {
        guard let header, let seconds = Double(Substring(header).trimmingSpaces()), seconds > 0,
            seconds.isFinite
        else { return `default` }
        // Clamp before converting: absurd header values must not overflow (trap).
        let t = Duration.milliseconds(Int64(min(seconds, 86_400) * 1000)) - offset
        // Never below 100 ms: a tiny configured timeout still gets a (partial) answer.
        return max(t, .milliseconds(100))
    }
}

/// Counts scrapes in progress so excess ones are refused at once instead of piling up.
final class ScrapeLimiter: Sendable {
    private let count = Mutex(0)

    func tryAcquire(max: Int) -> Bool {
        count.withLock { c in
            guard max <= 0 || c < max else { return false }
            c += 1
            return true
        }
    }

    func release() { count.withLock { $0 -= 1 } }
}
