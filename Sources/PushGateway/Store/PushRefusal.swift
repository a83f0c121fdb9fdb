/// Why a push was refused: the HTTP status and the message the client reads.
struct PushRefusal: Error, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable {
        /// Timestamps, label or type/help conflicts, duplicate series (400).
        case inconsistent
        /// Over --push.max-groups or --push.max-series-per-group.
        case groupLimit = "groups"
        case seriesLimit = "series_per_group"
    }

    let kind: Kind
    let message: String
    var description: String { message }

    static func inconsistent(_ detail: String) -> PushRefusal {
        PushRefusal(
            kind: .inconsistent, message: "pushed metrics are invalid or inconsistent with existing metrics: \(detail)")
    }
}
