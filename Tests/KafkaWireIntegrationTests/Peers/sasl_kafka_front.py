#!/usr/bin/env python3
"""A Kafka SASL front for PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER: the test broker (Tansu)
has no SASL, so this answers the SASL part of the Kafka protocol and relays to it.

Usage: sasl_kafka_front.py LISTEN_PORT UPSTREAM_PORT EVENTS_FILE [options]
  --mechanisms M1,M2     the listener's enabled mechanisms (default: all four)
  --user NAME --password PW        the one PLAIN/SCRAM user
  --session-lifetime-ms N          KIP-368 session lifetime sent on success (0: none)
  --oauth-accept REGEX             opaque bearer tokens accepted (JWTs are checked instead)
  --oauth-refuse TOKEN             an opaque token refused although it matches (repeatable)

Per connection, as a Kafka broker's SaslServerAuthenticator does: ApiVersions is relayed to
the broker at 127.0.0.1:UPSTREAM_PORT; SaslHandshake (v0-1) answers with the enabled list
(UNSUPPORTED_SASL_MECHANISM for another mechanism); SaslAuthenticate (v0-2) runs the mechanism.
Any other request before authentication closes the connection. After success the connection is
relayed frame by frame; a request that arrives after the session lifetime closes it (Kafka drops
an expired session at its next request) and is recorded as an "expired" event.

The server sides are independent of KafkaWire:
- PLAIN: PyPI pysasl's PlainMechanism parses RFC 4616's `authzid NUL authcid NUL passwd` and
  its ClearIdentity checks the credentials (SASLprep included);
- SCRAM-SHA-256/512: PyPI scramp's server (RFC 5802/7677), 4096 iterations as Kafka's minimum;
- OAUTHBEARER: an RFC 7628 section 3.1 client-initial-response parser written here (gs2 header,
  kvpairs, auth=Bearer b64token per RFC 6750) and a validator like Kafka's unsecured one for
  JWTs (`sub` and a future `exp` required) or a pattern for opaque tokens.
Failures are answered with Kafka's wording: PLAIN's own SaslAuthenticationException messages,
the generic "invalid credentials" message for SCRAM (a SaslException, whose text Kafka never
sends), and for OAUTHBEARER the RFC 7628 section 3.2.2 JSON error as a challenge, then, after the
client's kvsep, SASL_AUTHENTICATION_FAILED carrying that JSON (Kafka's OAuthBearerSaslServer).

Each authentication appends one JSON line to EVENTS_FILE: {"event": "authenticated" | "failed" |
"expired", "mechanism", "principal", "authzid", "extensions", "token_sha256", "error"} (the
token only as a SHA-256 prefix). The front exits when its stdin reaches end of file.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time

from pysasl.identity import ClearIdentity
from pysasl.mechanism import ChallengeResponse
from pysasl.mechanism.plain import PlainMechanism
from scramp import ScramMechanism

from kafka_sasl_wire import (
    API_SASL_AUTHENTICATE, API_SASL_HANDSHAKE, SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM, EventLog,
    auth_response, close_both, handshake_mechanism, handshake_response, next_request, parse_auth_bytes, pipe,
    read_frame, send_frame, serve_forever, shutdown_both
)

ALL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]

ap = argparse.ArgumentParser()
ap.add_argument("listen_port", type=int)
ap.add_argument("upstream_port", type=int)
ap.add_argument("events_file")
ap.add_argument("--mechanisms", default=",".join(ALL_MECHANISMS))
ap.add_argument("--user", default="")
ap.add_argument("--password", default="")
ap.add_argument("--session-lifetime-ms", type=int, default=0)
ap.add_argument("--oauth-accept", default=r"(?!)")
ap.add_argument("--oauth-refuse", action="append", default=[])
opts = ap.parse_args()
enabled = [m for m in opts.mechanisms.split(",") if m]
event = EventLog(opts.events_file)


class AuthFailed(Exception):
    """Ends the exchange with SASL_AUTHENTICATION_FAILED and this message (sent to the client)."""

    def __init__(self, client_message, detail=None):
        super().__init__(client_message)
        self.client_message = client_message
        self.detail = detail or client_message


def generic_failure(mechanism, detail):
    # SaslServerAuthenticator.handleSaslToken: a SaslException's own text is never sent.
    return AuthFailed(
        "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism,
        detail,
    )


# MARK: PLAIN (RFC 4616) through pysasl


class PlainServer:
    mechanism = "PLAIN"

    def __init__(self):
        self.done = False
        self.principal = self.authzid = None
        self.extensions = {}
        self.token_hash = None

    def step(self, message):
        try:
            creds, _ = PlainMechanism().server_attempt([ChallengeResponse(b"", message)])
        except Exception as e:  # pysasl's InvalidResponse: not three NUL-separated fields
            raise generic_failure(self.mechanism, "malformed PLAIN message: %r" % type(e).__name__) from e
        # PlainSaslServer's checks, each a SaslAuthenticationException whose text the client gets.
        if not creds.authcid:
            raise AuthFailed("Authentication failed: username not specified")
        requested = message.split(b"\x00", 1)[0].decode()
        if requested and requested != creds.authcid:
            raise AuthFailed("Authentication failed: Client requested an authorization id that is different from username")
        if not creds.verify(ClearIdentity(opts.user, opts.password)):
            raise AuthFailed("Authentication failed: Invalid username or password", "wrong user or password")
        self.principal, self.authzid, self.done = creds.authcid, requested, True
        return b""


# MARK: SCRAM (RFC 5802, RFC 7677) through scramp


class ScramServer:
    def __init__(self, mechanism):
        self.mechanism = mechanism
        m = ScramMechanism(mechanism)
        info = m.make_auth_info(opts.password, iteration_count=4096)

        def auth_fn(username):
            if username != opts.user:
                raise KeyError("unknown user")
            self.principal = username
            return info

        self.principal = self.authzid = None
        self.server = m.make_server(auth_fn)
        self.stage = "first"
        self.done = False
        self.extensions = {}
        self.token_hash = None

    def step(self, message):
        try:
            text = message.decode()
            if self.stage == "first":
                self.server.set_client_first(text)
                self.stage = "final"
                return self.server.get_server_first().encode()
            if self.stage == "final":
                self.server.set_client_final(text)
                self.stage = "done"
                self.done = True
                self.authzid = ""
                return self.server.get_server_final().encode()
        except Exception as e:  # scramp: unknown user, bad proof, malformed message
            raise generic_failure(self.mechanism, "%s: %s" % (type(e).__name__, e)) from e
        raise generic_failure(self.mechanism, "message after the exchange completed")


# MARK: OAUTHBEARER (RFC 7628)

KVSEP = b"\x01"
SASLNAME = re.compile(rb"(?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+")
KEY = re.compile(rb"[A-Za-z]+")
VALUE = re.compile(rb"[\x21-\x7e \t\r\n]*")
# RFC 6750 section 2.1 b64token.
BEARER = re.compile(rb"[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)")


def parse_client_initial_response(message):
    """RFC 7628 section 3.1: gs2-header kvsep *kvpair kvsep. Returns (authzid, {key: value})."""
    flag, sep, rest = message.partition(b",")
    if flag != b"n" or not sep:
        raise ValueError("gs2 header must start with 'n,' (no channel binding)")
    authz, sep, rest = rest.partition(b",")
    if not sep:
        raise ValueError("gs2 header has no second ','")
    authzid = ""
    if authz:
        if not authz.startswith(b"a=") or not SASLNAME.fullmatch(authz[2:]):
            raise ValueError("invalid authzid in the gs2 header")
        authzid = authz[2:].replace(b"=2C", b",").replace(b"=3D", b"=").decode()
    if not rest.startswith(KVSEP) or not rest.endswith(KVSEP) or len(rest) < 2:
        raise ValueError("the gs2 header must be followed by kvsep, and the message end with kvsep")
    body = rest[1:-1]  # zero or more `key=value kvsep`
    if body and not body.endswith(KVSEP):
        raise ValueError("a key/value pair is not terminated by kvsep")
    pairs = {}
    for item in body[:-1].split(KVSEP) if body else []:
        key, eq, value = item.partition(b"=")
        if not eq or not KEY.fullmatch(key) or not VALUE.fullmatch(value):
            raise ValueError("invalid key/value pair")
        if key.decode() in pairs:
            raise ValueError("duplicate key %s" % key.decode())
        pairs[key.decode()] = value.decode()
    return authzid, pairs


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def validate_token(token):
    """(principal, lifetime_ms or None) or raises ValueError with the reason."""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = b64url_json(parts[1])
        except Exception as e:
            raise ValueError("the JWT payload is not base64url JSON") from e
        exp, sub = claims.get("exp"), claims.get("sub")
        if not isinstance(exp, (int, float)):
            raise ValueError("the JWT has no exp claim")
        remaining_ms = int(exp * 1000 - time.time() * 1000)
        if remaining_ms <= 0:
            raise ValueError("the JWT expired %d ms ago" % -remaining_ms)
        if not isinstance(sub, str) or not sub:
            raise ValueError("the JWT has no sub claim")
        return sub, remaining_ms
    if re.fullmatch(opts.oauth_accept, token) and token not in opts.oauth_refuse:
        return "opaque-token-client", None
    raise ValueError("unknown opaque token")


class OAuthBearerServer:
    mechanism = "OAUTHBEARER"

    def __init__(self):
        self.error_json = None
        self.done = False
        self.principal = self.authzid = None
        self.extensions = {}
        self.token_hash = None
        self.lifetime_ms = None

    def step(self, message):
        if self.error_json is not None:
            # After our error challenge the client must answer with a single kvsep.
            if message != KVSEP:
                raise generic_failure(self.mechanism, "expected kvsep after the error challenge")
            raise AuthFailed(self.error_json, self.reason)
        try:
            authzid, pairs = parse_client_initial_response(message)
        except (ValueError, UnicodeDecodeError) as e:
            raise generic_failure(self.mechanism, "malformed client initial response: %s" % e) from e
        auth = pairs.pop("auth", None)
        match = BEARER.fullmatch(auth.encode()) if auth is not None else None
        if match is None:
            raise generic_failure(self.mechanism, "no 'auth=Bearer <token>' pair")
        token = match.group(1).decode()
        self.extensions, self.authzid = pairs, authzid
        self.token_hash = hashlib.sha256(token.encode()).hexdigest()[:16]
        try:
            principal, self.lifetime_ms = validate_token(token)
        except ValueError as e:
            # Kafka's validators report a bad token as status invalid_token.
            self.error_json, self.reason = json.dumps({"status": "invalid_token"}), str(e)
            return self.error_json.encode()
        if authzid and authzid != principal:
            raise AuthFailed(
                "Authentication failed: Client requested an authorization id (%s) that is different from the token's "
                "principal name (%s)" % (authzid, principal)
            )
        self.principal, self.done = principal, True
        return b""


def make_server(mechanism):
    if mechanism == "PLAIN":
        return PlainServer()
    if mechanism.startswith("SCRAM-"):
        return ScramServer(mechanism)
    return OAuthBearerServer()


# MARK: Kafka session


def session_lifetime_ms(server):
    # KIP-368: the configured lifetime, shortened to the credential's (a JWT's exp) when known.
    lifetimes = [x for x in (opts.session_lifetime_ms, getattr(server, "lifetime_ms", None)) if x]
    return min(lifetimes) if lifetimes else 0


def relay(client, upstream, server, lifetime_ms):
    """Authenticated: requests go to the broker one frame at a time, until the session ends."""
    expires = time.monotonic() + lifetime_ms / 1000 if lifetime_ms else None
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    try:
        while True:
            frame = read_frame(client)
            api_key = struct.unpack(">h", frame[:2])[0]
            if expires is not None and time.monotonic() >= expires:
                event(event="expired", mechanism=server.mechanism, principal=server.principal, api_key=api_key)
                return
            send_frame(upstream, frame)
    except (EOFError, OSError):
        pass
    finally:
        shutdown_both(client, upstream)


def serve(client):
    upstream = socket.create_connection(("127.0.0.1", opts.upstream_port))
    server = None
    try:
        while True:
            api_key, version, correlation, body = next_request(client, upstream)
            if api_key == API_SASL_HANDSHAKE:
                mechanism = handshake_mechanism(body)
                if mechanism not in enabled:
                    send_frame(client, handshake_response(correlation, UNSUPPORTED_SASL_MECHANISM, enabled))
                    event(event="failed", mechanism=mechanism, error="mechanism not enabled")
                    return
                send_frame(client, handshake_response(correlation, 0, enabled))
                server = make_server(mechanism)
            elif api_key == API_SASL_AUTHENTICATE and server is not None:
                try:
                    out = server.step(parse_auth_bytes(version, body))
                except AuthFailed as e:
                    event(
                        event="failed", mechanism=server.mechanism, error=e.detail, token_sha256=server.token_hash
                    )
                    send_frame(
                        client, auth_response(version, correlation, SASL_AUTHENTICATION_FAILED, e.client_message, b"", 0)
                    )
                    return
                lifetime = session_lifetime_ms(server) if server.done else 0
                send_frame(client, auth_response(version, correlation, 0, None, out, lifetime))
                if server.done:
                    event(
                        event="authenticated",
                        mechanism=server.mechanism,
                        principal=server.principal,
                        authzid=server.authzid,
                        extensions=server.extensions,
                        token_sha256=server.token_hash,
                        session_lifetime_ms=lifetime,
                    )
                    relay(client, upstream, server, lifetime)
                    return
            else:
                event(event="failed", mechanism=None, error="api %d before authentication" % api_key)
                return
    except (EOFError, OSError):
        pass
    finally:
        close_both(client, upstream)


def exit_when_parent_goes():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    serve_forever(opts.listen_port, serve)


if __name__ == "__main__":
    main()
