#!/usr/bin/env python3
"""Logs in with librdkafka (PyPI confluent-kafka), an independent Kafka client, and asks for
metadata: proves that Peers/sasl_kafka_front.py answers SASL the way a Kafka broker does.

Usage: sasl_librdkafka_login.py BOOTSTRAP MECHANISM USER PASSWORD
For OAUTHBEARER, librdkafka makes its own unsecured JWT with `sub` USER (PASSWORD unused).
Prints one JSON line: {"brokers": [ports]} or {"error": ...} (exit status 1).
"""
import json
import sys

from confluent_kafka.admin import AdminClient

bootstrap, mechanism, user, password = sys.argv[1:5]
conf = {
    "bootstrap.servers": bootstrap,
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanism": mechanism,
    "socket.timeout.ms": 5000,
    "log_level": 0,
}
if mechanism == "OAUTHBEARER":
    conf.update({"enable.sasl.oauthbearer.unsecure.jwt": True, "sasl.oauthbearer.config": "principal=" + user})
else:
    conf.update({"sasl.username": user, "sasl.password": password})
try:
    metadata = AdminClient(conf).list_topics(timeout=10)
    print(json.dumps({"brokers": sorted(b.port for b in metadata.brokers.values())}))
except Exception as e:  # one clear line for the Swift test's failure message
    print(json.dumps({"error": str(e)}))
    sys.exit(1)
