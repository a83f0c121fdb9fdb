import KafkaWire

/// Learns `min.insync.replicas` per topic with one DescribeConfigs request (topic resources
/// plus one broker resource for the default).
enum MinISRResolver {
    static let key = "min.insync.replicas"
    static let topicResource: Int8 = 2
    static let brokerResource: Int8 = 4

    static func request(topics: [String], broker: Int32?, onlyMinISR: Bool = true) -> DescribeConfigsRequest {
        let keys = onlyMinISR ? [key] : nil
        var resources = topics.sorted().map {
            DescribeConfigsRequest.DescribeConfigsResource(
                resourceType: topicResource, resourceName: $0, configurationKeys: keys)
        }
        if let broker {
            resources.append(
                .init(resourceType: brokerResource, resourceName: String(broker), configurationKeys: keys))
        }
        return DescribeConfigsRequest(resources: resources)
    }

    /// Topic value, else the broker's value, else Kafka's default (1). Throws when the
    /// response has no usable answer at all.
    static func resolve(topics: [String], response: DescribeConfigsResponse) throws -> [String: Int] {
        var topicValues: [String: Int] = [:]
        var brokerDefault: Int?
        var answered = false
        for r in response.results where r.errorCode == 0 {
            answered = true
            guard let v = r.configs.first(where: { $0.name == key })?.value.flatMap({ Int($0) }) else { continue }
            if r.resourceType == topicResource { topicValues[r.resourceName] = v }
            if r.resourceType == brokerResource { brokerDefault = v }
        }
        guard answered || topics.isEmpty else {
            let code = response.results.first.map { KafkaErrorCode($0.errorCode) }
            throw KafkaResponseError(api: "DescribeConfigs", code: code ?? KafkaErrorCode(-1))
        }
        var out: [String: Int] = [:]
        for t in topics { out[t] = topicValues[t] ?? brokerDefault ?? 1 }
        return out
    }
}
