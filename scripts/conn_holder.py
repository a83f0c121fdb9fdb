#!/usr/bin/env python3
"""Hold many loopback TCP connections (both ends) spread over several processes.

Used by the integration tests and scripts/bench-nodenet.sh (start_conn_holder in harness.py).

    python3 conn_holder.py --connections 3000 --processes 3 --ports 40001,40002,40003 \
        [--half-closed 0] [--host 127.0.0.1] [--listen-host ADDR] [--ready-file FILE]

The parent binds one listener per port (port 0 = let the kernel pick), forks the workers,
and each worker opens its share of connections (connect + accept on the shared listeners,
so the worker holds BOTH ends: 2 fds per connection). Connection number g (0-based, global)
goes to port index g % len(ports), so the per-port counts are deterministic.

`--half-closed K`: the first K connections of the global numbering are then half-closed
by the client (shutdown(SHUT_WR)): client end FIN_WAIT2, server end CLOSE_WAIT, held
(they are not orphans, so they do not time out). They are included in --connections.

When every worker is done the parent prints ONE line to stdout and flushes it:
    READY {"pid": ..., "workers": [...], "ports": [...], "per_port": {"port": n}, ...}
(also written to --ready-file if given), then holds until SIGTERM/SIGINT. On termination
every socket is closed with SO_LINGER=0 (RST), so no TIME_WAIT sockets are left behind
to pollute the next test's counts or the ephemeral port range. Workers die with the parent
(PR_SET_PDEATHSIG). On a setup error the parent prints `ERROR <message>` and exits 1.

Limits: per-process fd limit is raised to the hard limit; each worker holds at most
--max-per-process connections (default 9000 = 18000 fds). One (dst ip, dst port) pair
can take about 28000 connections (ephemeral range 32768-60999), so at most
--max-per-port connections (default 25000) go to one port: more ports are needed above that.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

MAX_PER_PROCESS = 9000
MAX_PER_PORT = 25000
BATCH = 256  # connections opened per round before accepting them; keeps backlogs small


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def set_pdeathsig() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # pragma: no cover - best effort
        pass


LINGER_RST = struct.pack("ii", 1, 0)


def close_rst(socks) -> None:
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def worker(idx: int, start: int, count: int, listeners: list[socket.socket], host: str,
           half_closed: int, wfd: int, deadline: float) -> None:
    """Open connections start..start+count-1 (global numbering); report on wfd; hold."""
    set_pdeathsig()
    held: list[socket.socket] = []

    def on_term(_sig, _frm):
        close_rst(held)
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        nports = len(listeners)
        addrs = [(host, lsn.getsockname()[1]) for lsn in listeners]
        clients_to_halfclose: list[socket.socket] = []
        g = start
        end = start + count
        while g < end:
            n = min(BATCH, end - g)
            # connect this batch (loopback: completes as soon as the SYN lands in a backlog)
            for k in range(n):
                pi = (g + k) % nports
                c = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                                  socket.SOCK_STREAM)
                c.settimeout(10)
                c.connect(addrs[pi])
                held.append(c)
                if g + k < half_closed:
                    clients_to_halfclose.append(c)
            # accept as many as we connected (from any shared listener; other workers may
            # take ours and we theirs, the totals balance)
            need = n
            while need > 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("timed out accepting connections")
                r, _, _ = select.select(listeners, [], [], 1.0)
                for lsn in r:
                    while need > 0:
                        try:
                            a, _ = lsn.accept()
                        except (BlockingIOError, InterruptedError):
                            break
                        held.append(a)
                        need -= 1
            g += n
        for c in clients_to_halfclose:
            c.shutdown(socket.SHUT_WR)
        os.write(wfd, f"OK {idx} {count}\n".encode())
    except Exception as e:  # report and die
        os.write(wfd, f"ERR {idx} {type(e).__name__}: {e}\n".encode())
        close_rst(held)
        os._exit(1)
    os.close(wfd)
    for lsn in listeners:
        lsn.close()
    while True:
        signal.pause()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connections", "-n", type=int, required=True)
    ap.add_argument("--processes", "-p", type=int, default=0,
                    help="worker processes (default: ceil(n / max-per-process), at least 1)")
    ap.add_argument("--ports", default="0",
                    help="comma list of listener ports (0 = kernel picks); default one port, "
                         "more are added automatically (port 0) if needed")
    ap.add_argument("--host", default="127.0.0.1", help="address the clients connect to")
    ap.add_argument("--listen-host", default=None,
                    help="address the listeners bind (default: --host). '::ffff:127.0.0.1' gives "
                         "an IPv6 socket taking IPv4 clients: server ends show up in "
                         "/proc/net/tcp6 as v4-mapped addresses, as with a JVM broker")
    ap.add_argument("--half-closed", type=int, default=0)
    ap.add_argument("--max-per-process", type=int, default=MAX_PER_PROCESS)
    ap.add_argument("--max-per-port", type=int, default=MAX_PER_PORT)
    ap.add_argument("--ready-file")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="give up if the connections are not all open after this many seconds")
    a = ap.parse_args(argv)

    def fail(msg: str) -> int:
        print(f"ERROR {msg}", flush=True)
        return 1

    n = a.connections
    if n < 0 or a.half_closed > n:
        return fail("bad --connections/--half-closed")
    hard = raise_nofile()
    per_proc_cap = min(a.max_per_process, max(1, (hard - 64) // 2))
    procs = a.processes or max(1, -(-n // per_proc_cap))
    if -(-n // procs) > per_proc_cap:
        return fail(f"{n} connections over {procs} processes exceeds {per_proc_cap}/process "
                    f"(fd hard limit {hard})")
    ports = [int(p) for p in a.ports.split(",") if p.strip() != ""]
    while -(-n // len(ports)) > a.max_per_port:
        ports.append(0)

    listen_host = a.listen_host or a.host
    family = socket.AF_INET6 if ":" in listen_host else socket.AF_INET
    listeners = []
    try:
        for p in ports:
            lsn = socket.socket(family, socket.SOCK_STREAM)
            lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and listen_host.lower().startswith("::ffff:"):
                lsn.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            lsn.bind((listen_host, p))
            lsn.listen(4096)
            lsn.setblocking(False)
            listeners.append(lsn)
    except OSError as e:
        return fail(f"cannot listen on {listen_host}:{ports}: {e}")
    ports = [lsn.getsockname()[1] for lsn in listeners]
    per_port = {str(p): 0 for p in ports}
    for i, c in enumerate(split(n, len(ports))):
        per_port[str(ports[i])] = c  # g % nports == i  <=> split() order
    t0 = time.monotonic()
    deadline = t0 + a.timeout

    rfd, wfd = os.pipe()
    pids: list[int] = []
    start = 0
    for i, cnt in enumerate(split(n, procs)):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                worker(i, start, cnt, listeners, a.host, a.half_closed, wfd, deadline)
            finally:
                os._exit(1)
        pids.append(pid)
        start += cnt
    os.close(wfd)

    def kill_all(sig=signal.SIGTERM):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + 10
        for pid in pids:
            while True:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                if time.monotonic() > end:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.02)

    stopping = False

    def on_term(_sig, _frm):
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    try:
        buf = b""
        oks = 0
        errs: list[str] = []
        with os.fdopen(rfd, "rb", buffering=0) as r:
            while oks + len(errs) < procs:
                left = deadline + 5 - time.monotonic()
                if left <= 0:
                    errs.append("timed out waiting for workers")
                    break
                ready, _, _ = select.select([r], [], [], min(left, 1.0))
                if not ready:
                    continue
                chunk = r.read(4096)
                if not chunk:
                    errs.append("worker pipe closed early")
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    s = line.decode()
                    if s.startswith("OK"):
                        oks += 1
                    else:
                        errs.append(s)
        if errs:
            kill_all()
            return fail("; ".join(errs))
        # The workers hold the listeners; the parent keeps its copies open all the same, so the
        # ports stay LISTEN (the tests count them).
        info = {
            "pid": os.getpid(),
            "workers": pids,
            "host": a.host,
            "listen_host": listen_host,
            "ports": ports,
            "per_port": per_port,
            "connections": n,
            "half_closed": a.half_closed,
            "sockets": 2 * n,
            "listeners": len(ports),
            "seconds": round(time.monotonic() - t0, 3),
        }
        line = "READY " + json.dumps(info)
        if a.ready_file:
            tmp = a.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(line + "\n")
            os.replace(tmp, a.ready_file)
        print(line, flush=True)
        while True:
            # exit if all workers died (then nothing is held any more)
            try:
                pid, _ = os.waitpid(-1, 0)
                if pid in pids:
                    pids.remove(pid)
                if not pids:
                    return 2
            except ChildProcessError:
                return 2
    except KeyboardInterrupt:
        kill_all()
        close_rst(listeners)
        return 0
    except BaseException:
        kill_all()
        raise


if __name__ == "__main__":
    sys.exit(main())
