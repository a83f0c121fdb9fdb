"""lag-exporter to a TLS listener: the broker behind Debian's stunnel4 with a CA and
certificates made here; the exporter's `tls.ca_file` must verify it, a wrong CA must fail
clearly (cluster down, error logged) without taking the exporter down."""
from __future__ import annotations

import time

import pytest

import offsets_records as R
from helpers import ProcessManager, free_port, make_pki
from kafka_env import Broker, TLSProxy
from test_lag_e2e import OFFSETS, STATUS, LagExporter, write_config


@pytest.fixture(scope="module")
def tls_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("lag-tls")
    pm = ProcessManager(d / "procs")
    try:
        pki = make_pki(d / "pki")
        plain = free_port()
        proxy = TLSProxy(pm, d, pki["server_crt"], pki["server_key"], upstream=plain)
        b = Broker(pm, port=plain, advertised_port=proxy.port, ca=pki["ca_crt"]).start()
        proxy.start()
        b.create_topic(OFFSETS, 1)
        b.create_topic("orders", 1)
        b.produce("orders", 0, 5)
        now = int(time.time() * 1000)
        b.produce_raw(OFFSETS, 0, [(R.commit_key("tls-group", "orders", 0), R.commit_value(3, 5, now))])
        yield {"pm": pm, "broker": b, "pki": pki, "dir": d}
    finally:
        pm.stop_all()


def test_reads_the_offsets_topic_over_tls(tls_world, lag_bin):
    b, pki = tls_world["broker"], tls_world["pki"]
    cfg = write_config(tls_world["dir"] / "good.yml", [{
        "name": "secure", "bootstrap": f"[{b.bootstrap}]", "tls": f"{{ca_file: {pki['ca_crt']}}}",
        "offset_refresh": "1s"}])
    e = LagExporter(tls_world["pm"], lag_bin, cfg).start()
    try:
        e.wait_ready()
        e.wait_value("kafka_consumergroup_status", STATUS["OK"], cluster="secure", consumergroup="tls-group")
        assert e.value("kafka_consumergroup_lag", consumergroup="tls-group", topic="orders", partition="0") == 0
        assert e.value("kafka_lag_cluster_up", cluster="secure") == 1
    finally:
        e.stop()


def test_wrong_ca_is_a_clear_error_not_a_crash(tls_world, lag_bin):
    b, pki = tls_world["broker"], tls_world["pki"]
    cfg = write_config(tls_world["dir"] / "wrong.yml", [{
        "name": "secure", "bootstrap": f"[{b.bootstrap}]", "tls": f"{{ca_file: {pki['otherca_crt']}}}",
        "offset_refresh": "1s"}])
    e = LagExporter(tls_world["pm"], lag_bin, cfg).start()
    try:
        e.wait_value("kafka_lag_cluster_up", 0, timeout=30, cluster="secure")
        assert e.value("kafka_lag_offsets_topic_caught_up", cluster="secure") == 0
        time.sleep(2)
        log = e.proc.stderr()
        assert "the broker's certificate is not trusted (check tls.ca_file" in log, log[-2000:]
        assert e.proc.alive()
    finally:
        e.stop()
