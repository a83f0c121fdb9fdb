"""Reload of nodenet-exporter's own config (the peer-groups file): SIGHUP, POST /-/reload and
file change; an invalid new file keeps the running config and sets the reload metric to 0."""

from __future__ import annotations

import os
import signal

import requests

from helpers import (
    parse_samples, select_samples, start_conn_holder, start_exporter, wait_until,
)

GROUPS_A = "peer_groups:\n  - {name: local-a, cidrs: [127.0.0.0/8]}\n"
GROUPS_B = "peer_groups:\n  - {name: local-b, cidrs: [127.0.0.0/8]}\n"


def peers(exp) -> set[str]:
    samples = parse_samples(exp.scrape().text)
    return {labels["peer"] for labels, _ in select_samples(samples, "nodenet_tcp_peer_connections")}


def reload_ok(exp) -> float:
    samples = parse_samples(exp.scrape().text)
    return select_samples(samples, "nodenet_config_last_reload_successful")[0][1]


def test_peer_groups_reload(procs, exporter_bin, tmp_path):
    cfg = tmp_path / "peers.yml"
    cfg.write_text(GROUPS_A)
    # A few loopback connections so there are peers to group.
    start_conn_holder(procs, connections=20, processes=1, ports=[0])
    exp = start_exporter(procs, exporter_bin, "--collector.peers", f"--collector.peers.config={cfg}")
    assert "local-a" in peers(exp)

    # SIGHUP picks up a changed file.
    cfg.write_text(GROUPS_B)
    os.kill(exp.proc.pid, signal.SIGHUP)
    wait_until(lambda: "local-b" in peers(exp), 10, what="SIGHUP reload")
    assert reload_ok(exp) == 1

    # An invalid file: POST /-/reload answers 500 naming the key, the running groups stay.
    cfg.write_text("peer_groups:\n  - {name: broken, cidrs: [10.0.0.0/99]}\n")
    r = requests.post(exp.base + "/-/reload", timeout=10)
    assert r.status_code == 500
    assert "peer_groups[0].cidrs[0]" in r.text
    assert "local-b" in peers(exp) and "broken" not in peers(exp)
    assert reload_ok(exp) == 0

    # Fixing the file is noticed without a signal (the file is watched).
    cfg.write_text(GROUPS_A)
    wait_until(lambda: "local-a" in peers(exp) and reload_ok(exp) == 1, 20, what="file-change reload")
    assert exp.proc.alive
