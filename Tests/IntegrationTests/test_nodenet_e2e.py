"""nodenet-exporter against node_exporter's tcpstat collector, on real loopback connections.

3000 established connections (6000 sockets) held by 3 processes on 3 listener ports the test
chooses, plus 30 half-closed ones (client end FIN_WAIT2, server end CLOSE_WAIT), so that more than
one state is exercised.
Plus two small IPv6 groups on their own ports: 200 connections over ::1 (both ends in
/proc/net/tcp6) and 200 IPv4 connections to an IPv6 listener bound to ::ffff:127.0.0.1
(server ends in tcp6 as v4-mapped addresses, as with a dual-stack JVM broker).
"""

from __future__ import annotations

import threading

import pytest

from helpers import (
    TCP_STATES, free_ports, parse_samples, select_samples, start_conn_holder, start_exporter,
    start_node_exporter, sum_by,
)

ESTABLISHED = 3000
HALF_CLOSED = 30
CONNECTIONS = ESTABLISHED + HALF_CLOSED
PROCESSES = 3
V6_CONNECTIONS = 200
METRIC = "nodenet_tcp_connections"


def tolerance(expected: float) -> float:
    """Both exporters read the same kernel tables, but not at the same instant. Between the two
    reads other sockets come and go: the two scrape connections themselves (2 sockets each, open
    during one scrape and maybe not the other), TIME_WAIT sockets of earlier requests expiring,
    and whatever else the host does. That is a handful of sockets, independent of load, so allow
    10, or 0.5% when counts are large."""
    return max(10.0, 0.005 * expected)


@pytest.fixture(scope="module")
def setup(module_procs, exporter_bin, node_exporter_bin):
    ports = free_ports(PROCESSES + 2)
    main_ports, v6_port, mapped_port = ports[:PROCESSES], ports[-2], ports[-1]
    _, info = start_conn_holder(module_procs, CONNECTIONS, PROCESSES, main_ports,
                                half_closed=HALF_CLOSED)
    assert info["ports"] == main_ports
    _, v6 = start_conn_holder(module_procs, V6_CONNECTIONS, 1, [v6_port], host="::1")
    _, mapped = start_conn_holder(module_procs, V6_CONNECTIONS, 1, [mapped_port],
                                  host="127.0.0.1", listen_host="::ffff:127.0.0.1")
    # expected per port: (connections, half-closed); connection g goes to port g % len(ports)
    expected = {str(p): [info["per_port"][str(p)], 0] for p in main_ports}
    for g in range(HALF_CLOSED):
        expected[str(main_ports[g % PROCESSES])][1] += 1
    expected[str(v6_port)] = [V6_CONNECTIONS, 0]
    expected[str(mapped_port)] = [V6_CONNECTIONS, 0]
    ours = start_exporter(module_procs, exporter_bin,
                          f"--collector.tcp.ports={','.join(map(str, ports))}")
    node = start_node_exporter(module_procs, node_exporter_bin)
    return {"info": info, "ports": ports, "expected": expected, "ours": ours, "node": node}


def scrape_both(ours, node):
    """Scrape both exporters at (nearly) the same moment: two threads released together."""
    out: dict = {}
    barrier = threading.Barrier(2)

    def run(key, exp):
        barrier.wait(timeout=10)
        try:
            r = exp.scrape()
            out[key] = r
        except Exception as e:  # noqa: BLE001
            out[key] = e

    ts = [threading.Thread(target=run, args=("ours", ours)),
          threading.Thread(target=run, args=("node", node))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=60)
    for key in ("ours", "node"):
        r = out.get(key)
        assert not isinstance(r, Exception) and r is not None, f"scrape of {key} failed: {r!r}"
        assert r.status_code == 200, f"{key}: HTTP {r.status_code}: {r.text[:500]}"
    return parse_samples(out["ours"].text), parse_samples(out["node"].text)


def node_states(samples) -> dict[str, float]:
    got = {labels["state"]: v for labels, v in select_samples(samples, "node_tcp_connection_states")}
    # node_exporter only emits the states it saw; absent means 0
    return {s: got.get(s, 0.0) for s in TCP_STATES}


def our_states(samples) -> dict[str, float]:
    got = sum_by(samples, METRIC, "state")
    unknown = set(got) - set(TCP_STATES)
    assert not unknown, f"unexpected state label values {unknown} (use node_exporter's names)"
    return {s: got.get(s, 0.0) for s in TCP_STATES}


def test_state_totals_match_node_exporter(setup):
    ours_s, node_s = scrape_both(setup["ours"], setup["node"])
    ours, node = our_states(ours_s), node_states(node_s)
    table = "\n".join(f"  {s:12} ours={ours[s]:8.0f} node_exporter={node[s]:8.0f}"
                      for s in TCP_STATES)
    print("per-state totals:\n" + table)

    held = 2 * ESTABLISHED  # both ends of every held connection
    assert node["established"] >= held, f"node_exporter sees too few established:\n{table}"
    assert ours["established"] >= held, f"we see fewer established than the test holds:\n{table}"
    for s in TCP_STATES:
        tol = tolerance(node[s])
        assert abs(ours[s] - node[s]) <= tol, \
            f"state {s}: ours={ours[s]} node_exporter={node[s]} (tolerance {tol})\n{table}"
    # the half-closed connections are held, so both states are exactly visible on both sides
    assert ours["close_wait"] >= HALF_CLOSED and ours["fin_wait2"] >= HALF_CLOSED, table
    assert ours["listen"] >= PROCESSES, table


def test_label_values_are_well_formed(setup):
    samples = parse_samples(setup["ours"].scrape().text)
    series = select_samples(samples, METRIC)
    assert series, f"no {METRIC} series"
    allowed_ports = {str(p) for p in setup["ports"]} | {"other"}
    for labels, value in series:
        assert set(labels) == {"port", "direction", "state"}, labels
        assert labels["direction"] in ("inbound", "outbound", "loopback"), labels
        assert labels["state"] in TCP_STATES, labels
        assert labels["port"] in allowed_ports, \
            f"port {labels['port']} is not in --collector.tcp.ports and not 'other'"
        assert value >= 0 and value == int(value), (labels, value)


def test_listener_ports_counted_as_loopback(setup):
    """Each held connection is 2 sockets, both on loopback and both labelled with the listener's
    port (server end: local port; client end: remote port). Exact counts: nothing else uses
    these ports. Covers IPv4, IPv6 (::1) and v4-mapped IPv6 server ends."""
    samples = parse_samples(setup["ours"].scrape().text)
    for p, (conns, half) in setup["expected"].items():
        by_state = sum_by(samples, METRIC, "state", port=p, direction="loopback")
        msg = f"port {p}: {by_state} (held: {conns} connections, {half} half-closed)"
        assert by_state.get("established", 0) == 2 * (conns - half), msg
        assert by_state.get("close_wait", 0) == half, msg   # server ends
        assert by_state.get("fin_wait2", 0) == half, msg    # client ends
        other_dirs = {labels["direction"] for labels, v in select_samples(samples, METRIC, port=p)
                      if labels["direction"] != "loopback" and labels["state"] != "listen" and v > 0}
        assert not other_dirs, f"port {p}: loopback connections also counted as {other_dirs}"
