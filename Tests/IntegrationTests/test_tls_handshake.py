"""A TLS client that connects and never completes the handshake must not hold a connection (and
its file descriptor) until the 60 s idle timeout: it is closed after --web.request-read-timeout
and counted, while real scrapes keep working."""

from __future__ import annotations

import socket
import ssl
import time

from helpers import curl, make_pki, parse_samples, select_samples, start_exporter

# The first bytes of a TLS 1.2 ClientHello record header announcing 512 bytes that never come.
PARTIAL_CLIENT_HELLO = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed the connection (EOF or reset), None if still open."""
    start = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def test_stalled_tls_handshakes_are_closed(procs, exporter_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    cfg = tmp_path / "web-tls.yml"
    cfg.write_text("tls_server_config:\n"
                   f"  cert_file: {pki['server_crt']}\n"
                   f"  key_file: {pki['server_key']}\n")
    exp = start_exporter(procs, exporter_bin, "--web.request-read-timeout=2s", web_config=cfg, wait="port")

    silent = socket.create_connection((exp.host, exp.port))        # never sends a byte
    partial = socket.create_connection((exp.host, exp.port))       # stalls inside the ClientHello
    partial.sendall(PARTIAL_CLIENT_HELLO)
    try:
        # 2 s deadline; generous upper bound for a loaded 2-core machine, far below the 60 s idle timeout.
        for name, sock in (("silent", silent), ("partial ClientHello", partial)):
            took = closed_within(sock, 20)
            assert took is not None, f"{name} connection still open after 20 s"
        r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]))
        assert r.rc == 0 and r.status == 200, (r.rc, r.stderr)
        timeouts = select_samples(parse_samples(r.body.decode()), "nodenet_http_request_read_timeouts_total")
        assert timeouts and timeouts[0][1] >= 2, timeouts
    finally:
        silent.close()
        partial.close()


def test_completed_handshake_is_not_cut_by_the_deadline(procs, exporter_bin, tmp_path):
    """The deadline ends with the handshake: a keep-alive client idle after it is not closed at
    the request read timeout (only at the 60 s idle timeout)."""
    pki = make_pki(tmp_path / "pki")
    cfg = tmp_path / "web-tls.yml"
    cfg.write_text("tls_server_config:\n"
                   f"  cert_file: {pki['server_crt']}\n"
                   f"  key_file: {pki['server_key']}\n")
    exp = start_exporter(procs, exporter_bin, "--web.request-read-timeout=2s", web_config=cfg, wait="port")
    ctx = ssl.create_default_context(cafile=str(pki["ca_crt"]))
    raw = socket.create_connection((exp.host, exp.port))
    tls = ctx.wrap_socket(raw, server_hostname="localhost")
    try:
        time.sleep(4)  # twice the deadline
        tls.sendall(f"GET /metrics HTTP/1.1\r\nHost: {exp.host}\r\nConnection: close\r\n\r\n".encode())
        tls.settimeout(10)
        head = tls.recv(64)
        assert head.startswith(b"HTTP/1.1 200"), head
    finally:
        tls.close()
