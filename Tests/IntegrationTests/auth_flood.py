"""Wrong-password flood against an exporter with basic auth, timing valid scrapes meanwhile.

Used by test_webconfig.py (small, bounded) and by hand for figures:

    python3 Tests/IntegrationTests/auth_flood.py --port 9101 --user alice --password secret \\
        --victim alice --connections 300 --seconds 20 [--same-password]

Each flooding connection is keep-alive and sends its next request as soon as the previous
answer arrives, so at most `connections` requests are outstanding. Valid scrapes use a fresh
connection each, with Prometheus' default 10 s scrape timeout.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import threading
import time


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _request(sock: socket.socket, host: str, path: str, auth: str) -> int:
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        rest += chunk
    return status


def flood(host: str, port: int, *, user: str, password: str, victim: str, connections: int,
          seconds: float, same_password: bool = False, interval: float = 0.5,
          scrape_timeout: float = 10.0, path: str = "/metrics") -> dict:
    stop = threading.Event()
    lock = threading.Lock()
    statuses: dict[str, int] = {}

    def count(key: str) -> None:
        with lock:
            statuses[key] = statuses.get(key, 0) + 1

    def flooder(n: int) -> None:
        i = 0
        while not stop.is_set():
            try:
                with socket.create_connection((host, port), timeout=30) as s:
                    while not stop.is_set():
                        i += 1
                        guess = "wrong" if same_password else f"wrong-{n}-{i}"
                        count(str(_request(s, host, path, _basic(victim, guess))))
            except (OSError, ConnectionError, ValueError, IndexError) as e:
                count(type(e).__name__)
                time.sleep(0.05)

    threads = [threading.Thread(target=flooder, args=(n,), daemon=True) for n in range(connections)]
    for t in threads:
        t.start()
    time.sleep(min(1.0, seconds / 4))  # let the flood build up
    valid: list[dict] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=scrape_timeout) as s:
                s.settimeout(max(0.1, scrape_timeout - (time.monotonic() - t0)))
                status = _request(s, host, path, _basic(user, password))
        except (OSError, ConnectionError) as e:
            status = type(e).__name__
        valid.append({"status": status, "seconds": round(time.monotonic() - t0, 3)})
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
    stop.set()
    for t in threads:
        t.join(timeout=35)
    durations = sorted(v["seconds"] for v in valid)
    return {
        "valid": valid,
        "valid_ok": sum(1 for v in valid if v["status"] == 200),
        "valid_max_seconds": durations[-1] if durations else None,
        "valid_median_seconds": durations[len(durations) // 2] if durations else None,
        "flood_statuses": statuses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--victim", required=True, help="user name the flood guesses passwords for")
    ap.add_argument("--connections", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--same-password", action="store_true", help="repeat one wrong password")
    a = ap.parse_args()
    r = flood(a.host, a.port, user=a.user, password=a.password, victim=a.victim,
              connections=a.connections, seconds=a.seconds, same_password=a.same_password)
    r.pop("valid")
    print(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
