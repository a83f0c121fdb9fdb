"""Helpers for the end-to-end tests: curl, PKI, node_exporter's TCP states.

Everything the tests share with the scripts (free ports, waits, processes by pid, /proc CPU and
memory, medians, exposition parsing, the test broker, nodenet-exporter's rig) lives in
scripts/harness.py and is re-exported here, so tests import it all from `helpers`. The import
goes one way: tests import scripts/, never the reverse (harness.py says why).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
_SCRIPTS = str(HERE.parent.parent / "scripts")
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

from harness import (  # noqa: E402
    CONN_HOLDER, EXPORTER_UID, EXPORTERS, READY_TIMEOUT, REPO, Exporter, Proc, ProcessManager,
    WaitFailed, cpu_seconds, cpu_split, free_port, free_ports, http_get, http_ok, median,
    parse_samples, peak_rss_mb, percentile, port_open, read_ready_line, rss_mb, select_samples,
    share_with_exporter, start_conn_holder, start_exporter, start_node_exporter, status_kb,
    stop_process, sum_by, tansu_bin, unprivileged_prefix, wait_port, wait_until,
)

__all__ = [
    "CONN_HOLDER", "EXPORTER_UID", "EXPORTERS", "HERE", "READY_TIMEOUT", "REPO", "TCP_STATES",
    "CurlResult", "Exporter", "Proc", "ProcessManager", "WaitFailed", "cpu_seconds", "cpu_split",
    "curl", "free_port", "free_ports", "http_get", "http_ok", "make_pki", "median",
    "parse_samples", "peak_rss_mb", "percentile", "port_open", "read_ready_line", "rss_mb",
    "select_samples", "share_with_exporter", "start_conn_holder", "start_exporter",
    "start_node_exporter", "status_kb", "stop_process", "sum_by", "tansu_bin",
    "unprivileged_prefix", "wait_port", "wait_until",
]

# node_exporter's tcpstat state label values (node_tcp_connection_states{state=...});
# rx_queued_bytes / tx_queued_bytes share that metric but are not states.
TCP_STATES = [
    "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
    "close", "close_wait", "last_ack", "listen", "closing",
]


# ---------------------------------------------------------------------------------------------
# curl


@dataclass
class CurlResult:
    rc: int
    status: int
    headers: dict  # lower-case name -> last value
    body: bytes
    stderr: str

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def curl(url: str, *opts: str, timeout: float = 15.0, data: bytes | None = None) -> CurlResult:
    """Run curl (no --fail: HTTP errors are returned as status); headers and body kept apart."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        hp, bp = Path(d) / "h", Path(d) / "b"
        cmd = ["curl", "-sS", "--max-time", str(int(timeout)), "-D", str(hp), "-o", str(bp),
               *opts, url]
        cp = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout + 5)
        headers: dict[str, str] = {}
        status = 0
        if hp.exists():
            for line in hp.read_text(errors="replace").splitlines():
                if line.startswith("HTTP/"):
                    headers = {}
                    parts = line.split()
                    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                elif ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
        body = bp.read_bytes() if bp.exists() else b""
        return CurlResult(cp.returncode, status, headers, body, cp.stderr.decode(errors="replace"))


# ---------------------------------------------------------------------------------------------
# PKI (openssl)


def _run(cmd: list[str], cwd: Path) -> None:
    cp = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=60)
    if cp.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {cp.stderr.decode(errors='replace')}")


def make_pki(d: Path) -> dict[str, Path]:
    """CA + server cert (SAN 127.0.0.1, ::1, localhost) + client cert, all signed by the CA;
    plus a second, unrelated CA (to show a wrong CA is rejected)."""
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    for ca in ("ca", "otherca"):
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
              "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-subj", f"/CN=nodenet test {ca}",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    (d / "server.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n")
    (d / "client.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=clientAuth\n")
    for who, cn in (("server", "localhost"), ("client", "nodenet-test-client")):
        _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}.key",
              "-out", f"{who}.csr", "-subj", f"/CN={cn}"], d)
        _run(["openssl", "x509", "-req", "-in", f"{who}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
              "-CAcreateserial", "-days", "3", "-out", f"{who}.crt", "-extfile", f"{who}.ext"], d)
    share_with_exporter(d)  # as a deployment makes the exporter's key readable by its user
    return {k: d / f"{k.replace('_', '.')}" for k in
            ("ca_crt", "otherca_crt", "server_crt", "server_key", "client_crt", "client_key")}
