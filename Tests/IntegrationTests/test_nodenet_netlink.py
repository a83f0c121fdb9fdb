"""nodenet-exporter's netlink (sock_diag) source against its /proc source and `ss`, on real sockets.

The exporters run as uid 65532 without capabilities (sock_diag dumps of TCP need none), except
where a test enters another network namespace (CAP_SYS_ADMIN, given as an ambient capability).

Delay and loss: this kernel has no netem qdisc, so the tests that need a slow or lossy link use a
token-bucket filter (tbf) on the loopback of a test namespace (`ip netns`): a 1 Mbit/s rate with a
deep queue makes a bulk sender's RTT grow to hundreds of milliseconds (queueing delay), and a
queue too short for the sender's window drops packets, which the sender retransmits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from helpers import (
    READY_TIMEOUT, Exporter, free_port, free_ports, parse_samples, read_ready_line, select_samples,
    start_conn_holder, start_exporter, wait_until,
)

CONNECTIONS = 600
HALF_CLOSED = 20
V6_CONNECTIONS = 100

# ss state names -> the exporters' state label values
SS_STATES = {
    "ESTAB": "established", "SYN-SENT": "syn_sent", "SYN-RECV": "syn_recv", "FIN-WAIT-1": "fin_wait1",
    "FIN-WAIT-2": "fin_wait2", "TIME-WAIT": "time_wait", "CLOSE": "close", "CLOSE-WAIT": "close_wait",
    "LAST-ACK": "last_ack", "LISTEN": "listen", "CLOSING": "closing",
}


def scrape_together(exporters: list[Exporter]) -> list[list]:
    """Scrape all exporters at (nearly) the same moment: threads released together."""
    out: list = [None] * len(exporters)
    barrier = threading.Barrier(len(exporters))

    def run(i):
        barrier.wait(timeout=10)
        out[i] = exporters[i].scrape()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(exporters))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=60)
    for r in out:
        assert r is not None and r.status_code == 200
    return [parse_samples(r.text) for r in out]


def ss_counts(ports: list[int], netns: str | None = None) -> dict[tuple[str, str], int]:
    """(port, state) -> sockets whose local or remote port is one of `ports`, as `ss` sees them."""
    cmd = ["ss", "-Htan"]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    counts: dict[tuple[str, str], int] = {}
    wanted = {str(p) for p in ports}
    for line in text.splitlines():
        f = line.split()
        if len(f) < 5:
            continue
        local, remote = f[3].rsplit(":", 1)[1], f[4].rsplit(":", 1)[1]
        port = local if local in wanted and (f[0] == "LISTEN" or remote not in wanted) else remote
        if port not in wanted:
            continue
        key = (port, SS_STATES[f[0]])
        counts[key] = counts.get(key, 0) + 1
    return counts


def by_port_state(samples, ports: list[int]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for labels, v in select_samples(samples, "nodenet_tcp_connections"):
        if labels["port"] in {str(p) for p in ports}:
            key = (labels["port"], labels["state"])
            out[key] = out.get(key, 0) + v
    return out


def series(samples, name: str, ports: list[int]) -> dict[tuple, float]:
    wanted = {str(p) for p in ports}
    return {tuple(sorted(labels.items())): v for labels, v in select_samples(samples, name)
            if labels.get("port") in wanted}


@pytest.fixture(scope="module")
def loopback_set(module_procs, exporter_bin):
    ports = free_ports(4)
    main, v6_port, mapped_port = ports[:2], ports[2], ports[3]
    start_conn_holder(module_procs, CONNECTIONS, 2, main, half_closed=HALF_CLOSED)
    start_conn_holder(module_procs, V6_CONNECTIONS, 1, [v6_port], host="::1")
    start_conn_holder(module_procs, V6_CONNECTIONS, 1, [mapped_port], host="127.0.0.1",
                      listen_host="::ffff:127.0.0.1")
    spec = f"--collector.tcp.ports={','.join(map(str, ports))}"
    netlink = start_exporter(module_procs, exporter_bin, spec, "--collector.tcp.source=netlink")
    procfs = start_exporter(module_procs, exporter_bin, spec, "--collector.tcp.source=procfs")
    return {"ports": ports, "netlink": netlink, "procfs": procfs}


def test_netlink_procfs_and_ss_count_the_same_sockets(loopback_set):
    ports = loopback_set["ports"]
    ours_nl, ours_proc = scrape_together([loopback_set["netlink"], loopback_set["procfs"]])
    ss = ss_counts(ports)
    nl = by_port_state(ours_nl, ports)
    assert nl == by_port_state(ours_proc, ports)
    assert nl == {k: float(v) for k, v in ss.items()}
    # The test's own sockets: 2 ends per connection, 20 of them half-closed.
    established = sum(v for (p, s), v in nl.items() if s == "established")
    assert established == 2 * (CONNECTIONS - HALF_CLOSED + 2 * V6_CONNECTIONS)
    assert sum(v for (p, s), v in nl.items() if s in ("fin_wait2", "close_wait")) == 2 * HALF_CLOSED
    # Every family the two sources share gives identical series for these ports.
    for name in ("nodenet_tcp_connections", "nodenet_tcp_send_queue_bytes", "nodenet_tcp_receive_queue_bytes",
                 "nodenet_tcp_send_queue_max_bytes", "nodenet_tcp_receive_queue_max_bytes",
                 "nodenet_tcp_retransmitting_connections", "nodenet_tcp_zero_window_probe_connections",
                 "nodenet_tcp_remote_peers", "nodenet_tcp_listen_accept_queue",
                 "nodenet_tcp_listen_accept_queue_max"):
        assert series(ours_nl, name, ports) == series(ours_proc, name, ports), name
    assert select_samples(ours_nl, "nodenet_tcp_source_info") == [({"source": "netlink"}, 1.0)]
    assert select_samples(ours_proc, "nodenet_tcp_source_info") == [({"source": "procfs"}, 1.0)]
    assert all(v == 0 for _, v in select_samples(ours_nl, "nodenet_tcp_parse_errors_total"))


def test_state_filter_is_applied_by_the_kernel_and_gives_the_same_counts(loopback_set, module_procs,
                                                                         exporter_bin):
    ports = loopback_set["ports"]
    spec = f"--collector.tcp.ports={','.join(map(str, ports))}"
    only = "--collector.tcp.states=established"
    netlink = start_exporter(module_procs, exporter_bin, spec, only, "--collector.tcp.source=netlink")
    procfs = start_exporter(module_procs, exporter_bin, spec, only, "--collector.tcp.source=procfs")
    ours_nl, ours_proc = scrape_together([netlink, procfs])
    nl = by_port_state(ours_nl, ports)
    assert nl == by_port_state(ours_proc, ports)
    assert {s for _, s in nl} == {"established"}
    # Listeners are still read (they decide direction) but not counted: server ends stay loopback
    # on their own port, as without the filter.
    ss = ss_counts(ports)
    assert nl == {k: float(v) for k, v in ss.items() if k[1] == "established"}
    # The kernel sent only ESTABLISHED and LISTEN sockets; /proc still has every row to read.
    scanned_nl = sum(v for _, v in select_samples(ours_nl, "nodenet_tcp_sockets_scanned"))
    scanned_proc = sum(v for _, v in select_samples(ours_proc, "nodenet_tcp_sockets_scanned"))
    assert scanned_nl <= scanned_proc - 2 * HALF_CLOSED


def test_tcp_info_families_cover_the_established_sockets(loopback_set):
    ports = loopback_set["ports"]
    samples = parse_samples(loopback_set["netlink"].scrape().text)
    conns = by_port_state(samples, ports)
    for port in map(str, ports):
        established = conns.get((port, "established"), 0)
        count = sum(v for labels, v in select_samples(samples, "nodenet_tcp_rtt_seconds_count", port=port))
        assert count == established
        rtt_sum = sum(v for labels, v in select_samples(samples, "nodenet_tcp_rtt_seconds_sum", port=port))
        # Loopback RTTs are tens of microseconds: non-zero, and all below 100 ms.
        assert 0 < rtt_sum < 0.1 * count
        inf = sum(v for labels, v in select_samples(samples, "nodenet_tcp_rtt_seconds_bucket", port=port,
                                                   le="+Inf"))
        assert inf == count
        full = sum(v for (p, s), v in conns.items() if p == port and s not in ("listen", "time_wait", "syn_recv"))
        assert sum(v for _, v in select_samples(samples, "nodenet_tcp_info_sockets", port=port)) == full
        # Held idle since the holder connected: nothing retransmitted, nothing lost.
        assert sum(v for _, v in select_samples(samples, "nodenet_tcp_retransmitted_segments", port=port)) == 0
        assert sum(v for _, v in select_samples(samples, "nodenet_tcp_lost_segments", port=port)) == 0


def test_peer_rtt_follows_the_peer_folding(module_procs, exporter_bin, tmp_path):
    port = free_port()
    start_conn_holder(module_procs, 30, 1, [port])
    groups = tmp_path / "peers.yml"
    groups.write_text("peer_groups:\n  - {name: local, cidrs: [127.0.0.0/8]}\n")
    exp = start_exporter(module_procs, exporter_bin, f"--collector.tcp.ports={port}", "--collector.peers",
                         f"--collector.peers.config={groups}")
    samples = parse_samples(exp.scrape().text)
    established = sum(v for labels, v in select_samples(samples, "nodenet_tcp_peer_connections", peer="local",
                                                        state="established"))
    count = sum(v for _, v in select_samples(samples, "nodenet_tcp_peer_rtt_seconds_count", peer="local"))
    # Every established socket to 127.0.0.0/8 (ours: 60, plus whatever else runs here) has an RTT.
    assert count == established >= 60
    assert sum(v for _, v in select_samples(samples, "nodenet_tcp_peer_rtt_seconds_sum", peer="local")) > 0


def test_idle_threshold_counts_sockets_without_received_data(module_procs, exporter_bin):
    port = free_port()
    start_conn_holder(module_procs, 50, 1, [port])
    exp = start_exporter(module_procs, exporter_bin, f"--collector.tcp.ports={port}",
                         "--collector.tcp.idle-threshold=1")
    # Nothing is sent on the held connections: after a second, every established end is idle.
    wait_until(lambda: sum(v for _, v in select_samples(parse_samples(exp.scrape().text),
                                                         "nodenet_tcp_idle_connections", port=str(port))) == 100,
               10, what="100 idle sockets")


def test_auto_falls_back_to_procfs_with_one_log_line(procs, exporter_bin, tmp_path):
    # A procfs without 1/ns/net: netlink cannot be pointed at its namespace.
    fake = tmp_path / "proc"
    (fake / "net").mkdir(parents=True)
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    (fake / "net" / "tcp").write_text(header)
    (fake / "net" / "tcp6").write_text(header)
    exp = start_exporter(procs, exporter_bin, f"--path.procfs={fake}")
    samples = parse_samples(exp.scrape().text)
    assert select_samples(samples, "nodenet_tcp_source_info") == [({"source": "procfs"}, 1.0)]
    lines = [line for line in exp.proc.stderr().splitlines() if "netlink source unavailable" in line]
    assert len(lines) == 1 and f"{fake}/1/ns/net" in lines[0], exp.proc.stderr()
    # Asked for netlink explicitly, the exporter refuses to start and says why.
    port = free_port()
    p = procs.start("nodenet-exporter", [str(exporter_bin), f"--web.listen-address=127.0.0.1:{port}",
                                         f"--path.procfs={fake}", "--collector.tcp.source=netlink"])
    assert p.popen.wait(timeout=20) != 0
    assert f"cannot open {fake}/1/ns/net" in p.stderr()


# ----------------------------------------------------------------------------- other namespaces


class Netns:
    """A test network namespace with loopback up, deleted at teardown."""

    def __init__(self, name: str):
        self.name = name
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.run("ip", "link", "set", "lo", "up")

    def run(self, *cmd: str) -> str:
        return subprocess.run(["ip", "netns", "exec", self.name, *cmd], check=True, capture_output=True,
                              text=True).stdout

    def procfs(self, root: Path) -> Path:
        """A directory standing for a /proc whose pid 1 lives in this namespace."""
        (root / "1" / "ns").mkdir(parents=True)
        (root / "1" / "ns" / "net").symlink_to(f"/run/netns/{self.name}")
        return root

    def delete(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], check=False)


@pytest.fixture
def netns(request):
    ns = Netns(f"nnl{os.getpid()}{request.node.name[-12:].replace('[', '').replace(']', '')}"[:15])
    yield ns
    ns.delete()


def start_in_netns(pm, ns: Netns, *exporter_args: str, caps: tuple[str, ...], binary: Path) -> Exporter:
    port = free_port()
    proc = pm.start("nodenet-exporter", [str(binary), f"--web.listen-address=127.0.0.1:{port}",
                                         *exporter_args], caps=caps)
    exp = Exporter(proc, "127.0.0.1", port, "http")
    wait_until(lambda: requests.get(exp.base + "/-/healthy", timeout=2).status_code == 200,
               READY_TIMEOUT, what=f"{exp.base}/-/healthy", proc=proc)
    return exp


# A sender that pushes bytes as fast as its peer (same process) drains them, over 127.0.0.1.
BULK_SENDER = r"""
import json, socket, sys, threading
port = int(sys.argv[1])
l = socket.socket()
l.bind(("127.0.0.1", port))
l.listen()
c = socket.create_connection(("127.0.0.1", port))
s, _ = l.accept()
def drain():
    while s.recv(1 << 16):
        pass
threading.Thread(target=drain, daemon=True).start()
print("READY " + json.dumps({"port": port}), flush=True)
buf = b"x" * (1 << 16)
while True:
    c.sendall(buf)
"""


def start_bulk_sender(pm, ns: Netns, port: int):
    proc = pm.start("bulk-sender", ["ip", "netns", "exec", ns.name, sys.executable, "-c", BULK_SENDER, str(port)],
                    stdout_pipe=True)
    read_ready_line(proc, 20)
    return proc


def test_enters_the_namespace_of_procfs_pid_1_with_cap_sys_admin(procs, exporter_bin, netns, tmp_path):
    port = 40_123
    holder = procs.start("conn-holder", ["ip", "netns", "exec", netns.name, sys.executable,
                                         str(Path(__file__).resolve().parents[2] / "scripts" / "conn_holder.py"),
                                         "--connections=40", "--processes=1", f"--ports={port}"],
                         stdout_pipe=True)
    read_ready_line(holder, 60)
    fake = netns.procfs(tmp_path / "hostproc")
    exp = start_in_netns(procs, netns, f"--path.procfs={fake}", "--collector.tcp.source=netlink",
                         f"--collector.tcp.ports={port}", caps=("sys_admin",), binary=exporter_bin)
    samples = parse_samples(exp.scrape().text)
    ours = by_port_state(samples, [port])
    assert ours == {k: float(v) for k, v in ss_counts([port], netns.name).items()}
    assert ours[(str(port), "established")] == 80
    # The exporter's own namespace does not have these sockets.
    assert ss_counts([port]) == {}
    # Without CAP_SYS_ADMIN: netlink refuses with the reason, auto falls back saying why.
    p = procs.start("nodenet-exporter", [str(exporter_bin), f"--web.listen-address=127.0.0.1:{free_port()}",
                                         f"--path.procfs={fake}", "--collector.tcp.source=netlink"])
    assert p.popen.wait(timeout=20) != 0
    assert "CAP_SYS_ADMIN" in p.stderr()
    auto = start_exporter(procs, exporter_bin, f"--path.procfs={fake}")
    assert "CAP_SYS_ADMIN" in auto.proc.stderr()
    assert "netlink source unavailable" in auto.proc.stderr()


def slow_loopback(ns: Netns, *queue: str) -> None:
    """1 Mbit/s on the namespace's loopback. Packets must fit the bucket, so the MTU comes down
    from loopback's 64 KiB to Ethernet's."""
    ns.run("ip", "link", "set", "lo", "mtu", "1500")
    ns.run("tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1mbit", "burst", "16kb", *queue)


def test_host_proc_of_the_own_namespace_needs_no_privilege(procs, exporter_bin, tmp_path):
    # The deployments' case: host network and the host's /proc at another path, no capabilities.
    # pid 1's namespace file is not readable then, but the namespace is the exporter's own.
    fake = tmp_path / "hostproc"
    fake.mkdir()
    (fake / "1").symlink_to("/proc/1")
    (fake / "net").symlink_to("/proc/net")
    exp = start_exporter(procs, exporter_bin, f"--path.procfs={fake}", "--collector.tcp.source=netlink")
    samples = parse_samples(exp.scrape().text)
    assert select_samples(samples, "nodenet_tcp_source_info") == [({"source": "netlink"}, 1.0)]


def rtt_buckets(samples, port: int) -> dict[str, float]:
    return {labels["le"]: v for labels, v in select_samples(samples, "nodenet_tcp_rtt_seconds_bucket",
                                                            port=str(port))}


def test_rtt_grows_on_a_slow_link(procs, exporter_bin, netns, tmp_path):
    # 1 Mbit/s with up to 400 ms of queue: the sender's RTT becomes the queueing delay.
    slow_loopback(netns, "latency", "400ms")
    port = 40_124
    start_bulk_sender(procs, netns, port)
    exp = start_in_netns(procs, netns, f"--path.procfs={netns.procfs(tmp_path / 'hostproc')}",
                         f"--collector.tcp.ports={port}", caps=("sys_admin",), binary=exporter_bin)

    def sender_is_slow():
        b = rtt_buckets(parse_samples(exp.scrape().text), port)
        # Two established ends: the receiver's RTT stays small, the sender's passes 25 ms.
        return b.get("+Inf") == 2 and b.get("0.025", 2) <= 1

    wait_until(sender_is_slow, 20, what="an RTT above 25 ms")


def test_retransmits_counted_on_a_lossy_link(procs, exporter_bin, netns, tmp_path):
    # A queue of 3 kB at 1 Mbit/s: the sender's window overflows it and tbf drops the excess.
    slow_loopback(netns, "limit", "3000")
    port = 40_125
    start_bulk_sender(procs, netns, port)
    exp = start_in_netns(procs, netns, f"--path.procfs={netns.procfs(tmp_path / 'hostproc')}",
                         f"--collector.tcp.ports={port}", caps=("sys_admin",), binary=exporter_bin)

    def retransmitted():
        samples = parse_samples(exp.scrape().text)
        return sum(v for _, v in select_samples(samples, "nodenet_tcp_retransmitted_segments", port=str(port)))

    wait_until(lambda: retransmitted() > 0, 20, what="retransmitted segments")
    # The kernel's own figure for the same sockets agrees that segments were retransmitted.
    assert "retrans:" in netns.run("ss", "-tin", f"sport = :{port} or dport = :{port}")
