import Foundation
import Logging
import TestSupport

@testable import KafkaWire

func testLogger() -> Logger {
    var l = Logger(label: "test")
    l.logLevel = .critical
    return l
}

func client(
    _ bootstrap: String, tls: TLSClientConfig? = nil, sasl: SASLConfig? = nil, requestTimeout: Duration = .seconds(10)
)
    throws -> KafkaClient
{
    try KafkaClient(
        config: KafkaConnectionConfig(
            bootstrap: [BrokerAddress(parsing: bootstrap)!], clientId: "kafkawire-tests", tls: tls, sasl: sasl,
            connectTimeout: .seconds(3), requestTimeout: requestTimeout),
        logger: testLogger())
}
