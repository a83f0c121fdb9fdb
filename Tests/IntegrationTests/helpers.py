"""Helpers for the end-to-end tests: processes by pid, free ports, curl, exposition parsing, PKI."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CONN_HOLDER = HERE / "conn_holder.py"
READY_TIMEOUT = float(os.environ.get("NODENET_READY_TIMEOUT", "15"))

# node_exporter's tcpstat state label values (node_tcp_connection_states{state=...});
# rx_queued_bytes / tx_queued_bytes share that metric but are not states.
TCP_STATES = [
    "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
    "close", "close_wait", "last_ack", "listen", "closing",
]


# ---------------------------------------------------------------------------------------------
# ports


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port BELOW the ephemeral range (32768-60999), so that the thousands of client
    sockets the connection holder opens can never take it between this check and the bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(500):
        port = random.randint(12000, 32000)
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port found")


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    out: list[int] = []
    while len(out) < n:
        p = free_port(host)
        if p not in out:
            out.append(p)
    return out


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# processes

# Every deploy artefact (Dockerfiles, Kubernetes manifests, systemd units) runs the exporters as an
# unprivileged user without capabilities, so the tests do too: running them as root once hid a
# setsockopt that needs CAP_NET_ADMIN (every scrape reset, no broker connection).
EXPORTERS = {"nodenet-exporter", "lag-exporter", "cluster-exporter"}
EXPORTER_UID = int(os.environ.get("EXPORTER_TEST_UID", "65532"))  # the images' uid:gid


def unprivileged_prefix(caps: tuple[str, ...] = ()) -> list[str]:
    """setpriv arguments that run a command as EXPORTER_UID with no capabilities except `caps`
    (as ambient capabilities, like systemd's AmbientCapabilities=). Empty when not root."""
    if os.geteuid() != 0:
        return []
    keep = "".join(f",+{c}" for c in caps)
    return ["setpriv", f"--reuid={EXPORTER_UID}", f"--regid={EXPORTER_UID}", "--clear-groups",
            f"--inh-caps=-all{keep}", f"--ambient-caps=-all{keep}", f"--bounding-set=-all{keep}", "--"]


def share_with_exporter(*paths: Path | str) -> None:
    """Lets the unprivileged exporter read test files: every directory from / down to each path
    becomes traversable, and the path (a file, or a directory recursively) readable by others.
    Only test scratch files go through here (pytest makes its temp dirs 0700)."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            continue
        for parent in reversed(path.resolve().parents):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
        targets = [path] if path.is_file() else [path, *path.rglob("*")]
        for t in targets:
            if t.is_symlink():
                continue
            mode = t.stat().st_mode
            os.chmod(t, mode | (0o005 if t.is_dir() else 0o004))


def _path_args(args: list[str]) -> list[Path]:
    """Existing files named by arguments (`--flag=/path` or `/path`): their directories are shared,
    since a config file names sibling files (CA, keys, peer groups)."""
    out = []
    for a in args[1:]:
        value = a.split("=", 1)[1] if a.startswith("--") and "=" in a else a
        if value.startswith("/") and Path(value).exists():
            p = Path(value)
            out.append(p if p.is_dir() else p.parent)
    return out


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    args: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stdout(self) -> str:
        try:
            return self.stdout_path.read_text(errors="replace")
        except OSError:
            return ""

    def describe(self) -> str:
        rc = self.popen.poll()
        return (f"[{self.name} pid={self.pid} rc={rc}]\n  args: {' '.join(self.args)}\n"
                f"  --- stderr (tail) ---\n{self.stderr()[-3000:]}\n"
                f"  --- stdout (tail) ---\n{self.stdout()[-1500:]}")


class ProcessManager:
    """Starts processes with output to files; stop_all() ends each one BY PID
    (SIGTERM, then SIGKILL after a grace period). Always called from fixture teardown."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.procs: list[Proc] = []
        self._n = 0

    def start(self, name: str, args: list[str], env: dict | None = None,
              stdout_pipe: bool = False, caps: tuple[str, ...] = ()) -> Proc:
        """Exporters (by name) run unprivileged, with only `caps`; other processes as we are."""
        args = [str(a) for a in args]
        if name in EXPORTERS and os.geteuid() == 0:
            share_with_exporter(self.workdir, *_path_args(args))
            args = unprivileged_prefix(caps) + args
        self._n += 1
        out = self.workdir / f"{self._n:02d}-{name}.stdout"
        err = self.workdir / f"{self._n:02d}-{name}.stderr"
        errf = open(err, "wb")
        outf = None if stdout_pipe else open(out, "wb")
        p = subprocess.Popen(
            [str(a) for a in args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else outf,
            stderr=errf,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # a terminal ^C does not hit it; we stop it by pid
        )
        errf.close()
        if outf:
            outf.close()
        proc = Proc(name, p, out, err, [str(a) for a in args])
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc, grace: float = 5.0) -> int | None:
        p = proc.popen
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        if p.stdout:
            p.stdout.close()
        return p.returncode

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            try:
                self.stop(proc)
            except Exception as e:  # keep stopping the others
                print(f"warning: could not stop {proc.name} pid={proc.pid}: {e}", file=sys.stderr)
        self.procs.clear()


def wait_until(pred, timeout: float, interval: float = 0.05, what: str = "condition",
               proc: Proc | None = None):
    """Poll pred() until truthy; fail after timeout (or as soon as proc exits)."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError(f"{proc.name} exited while waiting for {what}\n{proc.describe()}")
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - keep polling
            last_exc = e
        time.sleep(interval)
    extra = f"\n{proc.describe()}" if proc else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_exc})"
                         f"{extra}")


def read_ready_line(proc: Proc, timeout: float) -> dict:
    """Read the connection holder's 'READY {json}' line from its stdout pipe, with a timeout."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.popen.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            if b"\n" in buf:
                line = buf.split(b"\n", 1)[0].decode()
                if line.startswith("READY "):
                    return json.loads(line[6:])
                raise AssertionError(f"connection holder failed: {line}\n{proc.describe()}")
        elif not proc.alive():
            break
    raise AssertionError(f"connection holder not ready after {timeout}s: {buf!r}\n{proc.describe()}")


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
# Prometheus text exposition parsing (enough for our assertions; promtool does the validation)


def _parse_labels(s: str) -> dict:
    labels: dict[str, str] = {}
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in " ,":
            i += 1
        if i >= n:
            break
        eq = s.index("=", i)
        key = s[i:eq].strip()
        i = eq + 1
        assert s[i] == '"', f"bad label value in {{{s}}}"
        i += 1
        val = []
        while s[i] != '"':
            if s[i] == "\\":
                i += 1
                val.append({"n": "\n", "\\": "\\", '"': '"'}.get(s[i], "\\" + s[i]))
            else:
                val.append(s[i])
            i += 1
        i += 1
        labels[key] = "".join(val)
    return labels


def parse_samples(text: str) -> list[tuple[str, dict, float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line.split("{", 1)
            close = rest.rindex("}")
            labels = _parse_labels(rest[:close])
            value = rest[close + 1:].split()[0]
        else:
            parts = line.split()
            name, labels, value = parts[0], {}, parts[1]
        out.append((name.strip(), labels, float(value)))
    return out


def select_samples(samples, name: str, **match) -> list[tuple[dict, float]]:
    return [(l, v) for n, l, v in samples
            if n == name and all(l.get(k) == str(val) for k, val in match.items())]


def sum_by(samples, name: str, key: str, **match) -> dict[str, float]:
    out: dict[str, float] = {}
    for l, v in select_samples(samples, name, **match):
        out[l.get(key, "")] = out.get(l.get(key, ""), 0.0) + v
    return out


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


# ---------------------------------------------------------------------------------------------
# starting the programs under test


@dataclass
class Exporter:
    proc: Proc
    host: str
    port: int
    scheme: str
    path: str = "/metrics"

    @property
    def base(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{h}:{self.port}"

    @property
    def metrics_url(self) -> str:
        return self.base + self.path

    def scrape(self, **kw) -> requests.Response:
        r = requests.get(self.metrics_url, timeout=kw.pop("timeout", 30), **kw)
        return r


def start_exporter(pm: ProcessManager, binary: Path, *extra: str, host: str = "127.0.0.1",
                   port: int | None = None, web_config: Path | None = None,
                   telemetry_path: str = "/metrics", wait: str = "healthy") -> Exporter:
    """Start nodenet-exporter on host:port. wait='healthy': poll GET /-/healthy (plain HTTP,
    no auth) until 200; wait='port': until the TCP port accepts (TLS / auth configs);
    wait='none': return at once."""
    port = port or free_port(host)
    h = f"[{host}]" if ":" in host else host
    args = [str(binary), f"--web.listen-address={h}:{port}"]
    if telemetry_path != "/metrics":
        args.append(f"--web.telemetry-path={telemetry_path}")
    if web_config is not None:
        args.append(f"--web.config.file={web_config}")
    args += list(extra)
    proc = pm.start("nodenet-exporter", args)
    scheme = "http"
    if web_config is not None and Path(web_config).is_file() and \
            "tls_server_config" in Path(web_config).read_text():
        scheme = "https"
    exp = Exporter(proc, host, port, scheme, telemetry_path)
    if wait == "healthy":
        wait_until(lambda: requests.get(exp.base + "/-/healthy", timeout=2).status_code == 200,
                   READY_TIMEOUT, what=f"{exp.base}/-/healthy", proc=proc)
    elif wait == "port":
        wait_until(lambda: port_open(host, port), READY_TIMEOUT, what=f"port {port}", proc=proc)
    return exp


def start_node_exporter(pm: ProcessManager, binary: str, port: int | None = None) -> Exporter:
    port = port or free_port()
    proc = pm.start("node-exporter", [binary, f"--web.listen-address=127.0.0.1:{port}",
                                      "--collector.disable-defaults", "--collector.tcpstat"])
    exp = Exporter(proc, "127.0.0.1", port, "http")
    wait_until(lambda: requests.get(exp.metrics_url, timeout=5).status_code == 200,
               READY_TIMEOUT, what="node_exporter /metrics", proc=proc)
    return exp


def start_conn_holder(pm: ProcessManager, connections: int, processes: int, ports: list[int],
                      half_closed: int = 0, timeout: float = 120, host: str = "127.0.0.1",
                      listen_host: str | None = None) -> tuple[Proc, dict]:
    """Start conn_holder.py and wait for its READY line (processes=0: as many as needed)."""
    args = [sys.executable, str(CONN_HOLDER), f"--connections={connections}",
            f"--processes={processes}", f"--ports={','.join(map(str, ports))}",
            f"--half-closed={half_closed}", f"--timeout={timeout}", f"--host={host}"]
    if listen_host:
        args.append(f"--listen-host={listen_host}")
    proc = pm.start("conn-holder", args, stdout_pipe=True)
    info = read_ready_line(proc, timeout + 10)
    return proc, info
