// The exporters see one kit: config errors, durations, file reading and the outage log live in
// ExporterBase (which the Kafka client uses without the HTTP server) and come with ExporterKit.
@_exported import ExporterBase
