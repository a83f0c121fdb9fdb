#!/usr/bin/python3
"""A Kafka SASL/GSSAPI front for the GSSAPI tests: the test broker (Tansu) has no Kerberos.

Usage: gssapi_kafka_front.py [--acceptor python|java] LISTEN_PORT UPSTREAM_PORT EVENTS_FILE
                             [SESSION_LIFETIME_MS]

Listens on 127.0.0.1:LISTEN_PORT. Per connection: ApiVersions is relayed to the broker at
127.0.0.1:UPSTREAM_PORT; SaslHandshake (v0-1) and SaslAuthenticate (v0-2) are answered here.
After success the connection becomes a byte pipe to the broker. Any other request before
authentication closes the connection, as Kafka does. The service keytab comes from
KRB5_KTNAME, krb5.conf from KRB5_CONFIG; the service principal is kafka/127.0.0.1.

The SASL/GSSAPI server side is one of two independent implementations:
- java (the reference): the JDK's GssKrb5Server, the code a Kafka broker runs, logged in from
  the keytab with Krb5LoginModule (Peers/gssapi_sasl_server.java, one JVM per front);
- python: MIT's GSS-API acceptor through Debian's python3-gssapi, with RFC 4752 as Kafka's
  broker runs it (QOP "auth"): context tokens until established, then a wrapped offer of
  "no security layer", then the client's wrapped choice (+ authzid).

Each authentication appends one JSON line to EVENTS_FILE:
{"event": "authenticated", "principal": ..., "authzid": ...} or {"event": "failed", "error": ...}.
"""
import base64
import itertools
import json
import os
import subprocess
import socket
import struct
import sys
import threading

import gssapi

args = sys.argv[1:]
acceptor = "python"
if args[:1] == ["--acceptor"]:
    acceptor, args = args[1], args[2:]
listen_port, upstream_port, events_file = int(args[0]), int(args[1]), args[2]
session_lifetime_ms = int(args[3]) if len(args) > 3 else 0
events_lock = threading.Lock()

API_SASL_HANDSHAKE, API_API_VERSIONS, API_SASL_AUTHENTICATE = 17, 18, 36
UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE, SASL_AUTHENTICATION_FAILED = 33, 34, 58


def event(**fields):
    with events_lock, open(events_file, "a") as f:
        f.write(json.dumps(fields) + "\n")


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(sock):
    (size,) = struct.unpack(">i", read_exact(sock, 4))
    return read_exact(sock, size)


def send_frame(sock, payload):
    sock.sendall(struct.pack(">i", len(payload)) + payload)


def read_uvarint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def parse_header(frame, flexible):
    """Request header v1 (v2 adds tagged fields): returns (api_key, version, correlation, body)."""
    api_key, version, correlation = struct.unpack(">hhi", frame[:8])
    (client_len,) = struct.unpack(">h", frame[8:10])
    pos = 10 + max(client_len, 0)
    if flexible(api_key, version):
        tags, pos = read_uvarint(frame, pos)
        for _ in range(tags):
            _, pos = read_uvarint(frame, pos)
            size, pos = read_uvarint(frame, pos)
            pos += size
    return api_key, version, correlation, frame[pos:]


def is_flexible(api_key, version):
    return api_key == API_SASL_AUTHENTICATE and version >= 2


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class GSSAPIServer:
    """RFC 4752 server side over a python-gssapi acceptor context."""

    def __init__(self):
        self.ctx = gssapi.SecurityContext(usage="accept", creds=gssapi.Credentials(usage="accept"))
        self.stage = "context"
        self.principal = None
        self.authzid = None

    def step(self, token):
        if self.stage == "context":
            out = self.ctx.step(token)
            if self.ctx.complete:
                self.stage = "offer"
            return out or b""
        if self.stage == "offer":
            if token:
                raise ValueError("expected an empty client message after the context was established")
            self.stage = "choice"
            # Security layers offered: 1 = none only; max message size 0.
            return self.ctx.wrap(bytes([1, 0, 0, 0]), False).message
        if self.stage == "choice":
            data = self.ctx.unwrap(token).message
            if len(data) < 4 or not data[0] & 1:
                raise ValueError("client did not choose 'no security layer': %r" % data[:4])
            self.authzid = data[4:].decode()
            self.principal = str(self.ctx.initiator_name)
            self.stage = "done"
            return b""
        raise ValueError("exchange already complete")


class JavaSaslServers:
    """One JVM running the JDK's GSSAPI SaslServer for every connection of this front."""

    def __init__(self):
        here = os.path.dirname(os.path.abspath(__file__))
        self.proc = subprocess.Popen(
            [
                "java",
                "-Djava.security.krb5.conf=" + os.environ["KRB5_CONFIG"],
                "-Dsun.security.krb5.rcache=none",
                os.path.join(here, "gssapi_sasl_server.java"),
                "kafka",
                "127.0.0.1",
                os.environ["KRB5_KTNAME"],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        ready = self.proc.stdout.readline().strip()
        if ready != "READY":
            raise SystemExit("gssapi_sasl_server.java did not start: %r" % ready)

    def request(self, line):
        with self.lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return self.proc.stdout.readline().strip()


class JavaGSSAPIServer:
    """A connection's exchange, run by the JDK's GssKrb5Server."""

    def __init__(self, servers):
        self.servers = servers
        self.id = str(next(servers.ids))
        self.stage = "context"
        self.principal = None
        self.authzid = ""
        reply = servers.request("NEW " + self.id)
        if reply != "OK":
            raise ValueError(reply)

    def step(self, token):
        encoded = base64.b64encode(token).decode() if token else "-"
        reply = self.servers.request("STEP %s %s" % (self.id, encoded)).split(" ")
        if reply[0] != "OK":
            raise ValueError(" ".join(reply[1:]))
        out = b"" if reply[1] == "-" else base64.b64decode(reply[1])
        if reply[2] == "complete":
            self.stage = "done"
            self.principal = reply[3]
            self.authzid = reply[4]  # GssKrb5Server substitutes the principal when the client sends none
        return out


java_servers = None


def answer_handshake(version, correlation, body):
    (n,) = struct.unpack(">h", body[:2])
    mechanism = body[2 : 2 + n].decode()
    code = 0 if mechanism == "GSSAPI" else UNSUPPORTED_SASL_MECHANISM
    return struct.pack(">ih", correlation, code) + struct.pack(">i", 1) + kstring("GSSAPI"), code == 0


def parse_auth_bytes(version, body):
    if version >= 2:
        n, pos = read_uvarint(body, 0)
        return body[pos : pos + n - 1]
    (n,) = struct.unpack(">i", body[:4])
    return body[4 : 4 + n]


def auth_response(version, correlation, error_code, message, auth_bytes):
    if version >= 2:
        out = struct.pack(">i", correlation) + b"\x00"  # response header v1: no tagged fields
        out += struct.pack(">h", error_code)
        if message is None:
            out += b"\x00"
        else:
            m = message.encode()
            out += uvarint(len(m) + 1) + m
        out += uvarint(len(auth_bytes) + 1) + auth_bytes
        out += struct.pack(">q", session_lifetime_ms) + b"\x00"
        return out
    out = struct.pack(">ih", correlation, error_code)
    out += struct.pack(">h", -1) if message is None else kstring(message)
    out += struct.pack(">i", len(auth_bytes)) + auth_bytes
    if version >= 1:
        out += struct.pack(">q", session_lifetime_ms)
    return out


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    handshaken = False
    server = None
    try:
        while True:
            frame = read_frame(client)
            api_key, version, correlation, body = parse_header(frame, is_flexible)
            if api_key == API_API_VERSIONS:
                send_frame(upstream, frame)
                send_frame(client, read_frame(upstream))
            elif api_key == API_SASL_HANDSHAKE:
                response, ok = answer_handshake(version, correlation, body)
                send_frame(client, response)
                handshaken = ok
                server = (JavaGSSAPIServer(java_servers) if java_servers else GSSAPIServer()) if ok else None
            elif api_key == API_SASL_AUTHENTICATE and handshaken and server is not None:
                token = parse_auth_bytes(version, body)
                try:
                    out = server.step(token)
                except Exception as e:  # a GSS failure: report it as Kafka does, then close
                    event(event="failed", error=str(e))
                    send_frame(
                        client,
                        auth_response(
                            version,
                            correlation,
                            SASL_AUTHENTICATION_FAILED,
                            "Authentication failed during authentication due to invalid credentials with SASL "
                            "mechanism GSSAPI",
                            b"",
                        ),
                    )
                    return
                send_frame(client, auth_response(version, correlation, 0, None, out))
                if server.stage == "done":
                    event(event="authenticated", principal=server.principal, authzid=server.authzid)
                    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
                    pipe(client, upstream)
                    return
            else:
                event(event="failed", error="api %d before authentication" % api_key)
                return
    except (EOFError, OSError):
        pass
    finally:
        for s in (client, upstream):
            try:
                s.close()
            except OSError:
                pass


def main():
    global java_servers
    if acceptor == "java":
        java_servers = JavaSaslServers()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(16)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
