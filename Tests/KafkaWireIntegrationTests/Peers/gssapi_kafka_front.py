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
import os
import subprocess
import socket
import sys
import threading

import gssapi

from kafka_sasl_wire import (
    API_SASL_AUTHENTICATE, API_SASL_HANDSHAKE, SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM, EventLog,
    auth_response, close_both, handshake_mechanism, handshake_response, next_request, parse_auth_bytes, pipe,
    send_frame, serve_forever
)

args = sys.argv[1:]
acceptor = "python"
if args[:1] == ["--acceptor"]:
    acceptor, args = args[1], args[2:]
listen_port, upstream_port, events_file = int(args[0]), int(args[1]), args[2]
session_lifetime_ms = int(args[3]) if len(args) > 3 else 0
event = EventLog(events_file)


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


def answer_handshake(correlation, body):
    code = 0 if handshake_mechanism(body) == "GSSAPI" else UNSUPPORTED_SASL_MECHANISM
    return handshake_response(correlation, code, ["GSSAPI"]), code == 0


def serve(client):
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    handshaken = False
    server = None
    try:
        while True:
            api_key, version, correlation, body = next_request(client, upstream)
            if api_key == API_SASL_HANDSHAKE:
                response, ok = answer_handshake(correlation, body)
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
                            session_lifetime_ms,
                        ),
                    )
                    return
                send_frame(client, auth_response(version, correlation, 0, None, out, session_lifetime_ms))
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
        close_both(client, upstream)


def main():
    global java_servers
    if acceptor == "java":
        java_servers = JavaSaslServers()
    serve_forever(listen_port, serve)


if __name__ == "__main__":
    main()
