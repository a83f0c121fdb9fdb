import ExporterKit

/// The landing page's section: clusters, then groups worst status first, with their lag.
enum StatusPage {
    /// Groups listed per cluster (the worst first); the rest is counted.
    static let maxRows = 200

    static func render(_ views: [ClusterView]) -> String {
        var html = "<h2>Clusters</h2>\n"
        for v in views.sorted(by: { $0.name < $1.name }) {
            let p = v.progress
            let state =
                p.caughtUp
                ? "\(v.groups.count) group(s)"
                : "catching up (\(p.recordsBehind.map { "\($0) records behind" } ?? "starting"))"
            html += "<h3>\(escapeHTML(v.name))</h3>\n<p>source: \(escapeHTML(p.source?.rawValue ?? "starting")); "
            html += "\(escapeHTML(state)); \(p.up ? "up" : "<b>down</b>")"
            if let e = p.lastError { html += "; last error: \(escapeHTML(e))" }
            let cluster = "/v3/kafka/\(v.name.percentEncodedPathSegment)"
            html += " &middot; <a href=\"\(escapeHTML(cluster))/consumer\">Burrow API</a></p>\n"
            guard !v.groups.isEmpty else { continue }
            let ranked = v.groups.sorted {
                ($0.evaluation.status.rawValue, $0.evaluation.totalLag) > (
                    $1.evaluation.status.rawValue, $1.evaluation.totalLag
                )
            }
            html +=
                "<table><tr><th>group</th><th>status</th><th>total lag</th><th>max lag seconds</th><th>members</th></tr>\n"
            for g in ranked.prefix(maxRows) {
                let seconds = g.maxLagSeconds.map { String(format: "%.1f", $0) } ?? "-"
                let members = g.meta.map { String($0.members) } ?? "-"
                let link = "\(cluster)/consumer/\(g.name.percentEncodedPathSegment)/lag"
                let status = g.evaluation.status
                html += "<tr><td><a href=\"\(escapeHTML(link))\">\(escapeHTML(g.name))</a></td>"
                html += "<td class=\"\(status)\">\(status)</td>"
                html += "<td>\(g.evaluation.totalLag)</td><td>\(seconds)</td><td>\(members)</td></tr>\n"
            }
            html += "</table>\n"
            if ranked.count > maxRows { html += "<p>\(ranked.count - maxRows) more group(s) not shown.</p>\n" }
        }
        return html
    }
}
