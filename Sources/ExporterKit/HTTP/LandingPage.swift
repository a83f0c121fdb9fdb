/// The `/` page: what this is, its version and where the metrics are.
enum LandingPage {
    static func render(build: BuildInfo, telemetryPath: String, extras: String) -> String {
        let name = escapeHTML(build.program)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>\(name)</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}\
            td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}.OK{color:#070}.WARN{color:#a60}\
            .ERR,.STOP,.STALL,.REWIND{color:#b00}</style></head>
            <body>
            <h1>\(name)</h1>
            <p>Version \(escapeHTML(build.version)) (revision \(escapeHTML(build.revision)))</p>
            <ul>
            <li><a href="\(escapeHTML(telemetryPath))">Metrics</a> (\(escapeHTML(telemetryPath)))</li>
            <li><a href="/-/healthy">Health</a></li>
            <li><a href="/-/ready">Readiness</a></li>
            </ul>
            \(extras)
            </body>
            </html>

            """
    }
}

/// Escapes text for HTML element content and attribute values.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
