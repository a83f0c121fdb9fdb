import ExporterKit

/// The families built from tcp_info (netlink source with `--collector.tcp.info`).
enum TCPInfoFamilies {
    static func families(_ s: TCPInfoSummary) -> [MetricFamily] {
        var rtt = MetricFamily(
            name: "nodenet_tcp_rtt_seconds",
            help:
                "Smoothed round-trip time (tcpi_rtt) of the ESTABLISHED sockets open at scrape time, one observation per socket per scrape: a snapshot, use histogram_quantile on the buckets without rate().",
            type: .histogram, unit: "seconds")
        var retransmitted = MetricFamily(
            name: "nodenet_tcp_retransmitted_segments",
            help:
                "Segments retransmitted over the life of the sockets open now (sum of tcpi_total_retrans); falls when sockets close.",
            type: .gauge)
        var lost = MetricFamily(
            name: "nodenet_tcp_lost_segments",
            help: "Segments the sockets currently consider lost (sum of tcpi_lost).", type: .gauge)
        var idle = MetricFamily(
            name: "nodenet_tcp_idle_connections",
            help:
                "ESTABLISHED sockets that received no data for at least --collector.tcp.idle-threshold seconds (tcpi_last_data_recv).",
            type: .gauge)
        var delivery = MetricFamily(
            name: "nodenet_tcp_delivery_rate_bytes_per_second",
            help:
                "Most recent delivery rate (tcpi_delivery_rate, Linux 4.9+) of ESTABLISHED sockets that have delivered data: quantiles over the sockets open at scrape time.",
            type: .summary, unit: "bytes_per_second")
        var sockets = MetricFamily(
            name: "nodenet_tcp_info_sockets",
            help:
                "Sockets whose tcp_info is behind the tcp_info families (full sockets: not TIME_WAIT, SYN_RECV or LISTEN).",
            type: .gauge)
        // Distribution samples keep their build order (the validator does not sort them).
        for (key, f) in s.flows.sorted(by: {
            ($0.key.port, $0.key.direction.rawValue) < ($1.key.port, $1.key.direction.rawValue)
        }) {
            let labels = [("port", key.port.label), ("direction", key.direction.label)]
            rtt.addDistribution(
                labels, buckets: zip(TCPInfoSummary.rttBuckets, f.rttBuckets.map { Double($0) }).map { ($0, $1) },
                sum: f.rttSumSeconds, count: Double(f.rttCount))
            retransmitted.add(labels, Double(f.retransmittedSegments))
            lost.add(labels, Double(f.lostSegments))
            idle.add(labels, Double(f.idle))
            if f.deliveryCount > 0 {
                delivery.addDistribution(
                    labels, quantiles: zip(TCPInfoSummary.deliveryQuantiles, f.deliveryQuantiles).map { ($0, $1) },
                    sum: f.deliverySum, count: Double(f.deliveryCount))
            }
            sockets.add(labels, Double(f.sockets))
        }
        return [rtt, retransmitted, lost, idle, delivery, sockets]
    }
}
