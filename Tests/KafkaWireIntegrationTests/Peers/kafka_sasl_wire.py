"""The Kafka wire handling shared by the SASL test fronts (sasl_kafka_front.py and
gssapi_kafka_front.py): framing, the request header, the SaslHandshake/SaslAuthenticate
encodings, relaying bytes, the listener and the JSON events file.

Standard library only: the GSSAPI front runs under Debian's /usr/bin/python3 (for python3-gssapi),
the other under the PyPI interpreter; both import this from their own folder (sys.path[0]).
"""
import json
import socket
import struct
import threading

API_SASL_HANDSHAKE, API_API_VERSIONS, API_SASL_AUTHENTICATE = 17, 18, 36
UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE, SASL_AUTHENTICATION_FAILED = 33, 34, 58


class EventLog:
    """Appends one JSON line per event to a file the test reads; safe across connection threads."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, **fields):
        with self.lock, open(self.path, "a") as f:
            f.write(json.dumps(fields) + "\n")


# MARK: framing


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


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


# MARK: requests


def is_flexible(api_key, version):
    """Of the requests a front parses, only SaslAuthenticate v2+ uses request header v2."""
    return api_key == API_SASL_AUTHENTICATE and version >= 2


def parse_header(frame, flexible=is_flexible):
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


def next_request(client, upstream):
    """The client's next request other than ApiVersions, as parse_header returns it. ApiVersions
    (allowed before authentication) is relayed to the broker and its answer back to the client."""
    while True:
        frame = read_frame(client)
        api_key, version, correlation, body = parse_header(frame)
        if api_key != API_API_VERSIONS:
            return api_key, version, correlation, body
        send_frame(upstream, frame)
        send_frame(client, read_frame(upstream))


def handshake_mechanism(body):
    """SaslHandshake v0-1 request body: the mechanism the client asks for."""
    (n,) = struct.unpack(">h", body[:2])
    return body[2 : 2 + n].decode()


def parse_auth_bytes(version, body):
    """SaslAuthenticate request body: auth_bytes (compact bytes from v2)."""
    if version >= 2:
        n, pos = read_uvarint(body, 0)
        return body[pos : pos + n - 1]
    (n,) = struct.unpack(">i", body[:4])
    return body[4 : 4 + n]


# MARK: responses


def handshake_response(correlation, code, mechanisms):
    """SaslHandshake v0-1 response: error code and the listener's enabled mechanisms."""
    out = struct.pack(">ih", correlation, code) + struct.pack(">i", len(mechanisms))
    for m in mechanisms:
        out += kstring(m)
    return out


def auth_response(version, correlation, error_code, message, auth_bytes, lifetime_ms):
    """SaslAuthenticate v0-2 response; v1+ carries KIP-368's session lifetime (0: none)."""
    if version >= 2:
        out = struct.pack(">i", correlation) + b"\x00"  # response header v1: no tagged fields
        out += struct.pack(">h", error_code)
        if message is None:
            out += b"\x00"
        else:
            m = message.encode()
            out += uvarint(len(m) + 1) + m
        out += uvarint(len(auth_bytes) + 1) + auth_bytes
        return out + struct.pack(">q", lifetime_ms) + b"\x00"
    out = struct.pack(">ih", correlation, error_code)
    out += struct.pack(">h", -1) if message is None else kstring(message)
    out += struct.pack(">i", len(auth_bytes)) + auth_bytes
    if version >= 1:
        out += struct.pack(">q", lifetime_ms)
    return out


# MARK: sockets


def shutdown_both(a, b):
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def close_both(a, b):
    for s in (a, b):
        try:
            s.close()
        except OSError:
            pass


def pipe(src, dst):
    """Copies bytes until either side ends, then shuts both down (the other direction ends too)."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        shutdown_both(src, dst)


def serve_forever(port, serve):
    """Listens on 127.0.0.1:port and runs serve(client) in a thread per connection."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()
