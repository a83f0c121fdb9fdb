#!/usr/bin/env python3
"""An independent OAuth 2 token endpoint (stdlib http.server) for the OAuthTokenProvider tests.

Usage: oauth_token_server.py CLIENT_ID CLIENT_SECRET SCOPE COUNT_FILE [CERT_PEM KEY_PEM]

Listens on a free 127.0.0.1 port and prints "PORT <n>" on its first stdout line. Serves the
client-credentials grant (RFC 6749 section 4.4) on POST paths:
  /token    expires_in 3600, token_type "Bearer", Content-Length body
  /short    expires_in 1
  /jwt      a JWT access token with an `exp` claim 2 s ahead and no expires_in
  /chunked  like /token, but with Transfer-Encoding: chunked and token_type "bearer"
  /garbage  200 with a body that is not JSON
  /mac      token_type "mac"
  /big      a 2 MiB body
  /slow     answers after 5 s
Each path checks the form body (grant_type, scope) and the HTTP Basic credentials (form-url
decoded as RFC 6749 section 2.3.1 says); wrong credentials get 401 {"error":"invalid_client"}.
After each request the number of requests per path is written (atomically) to COUNT_FILE as
JSON, so the test can count them without an HTTP client of its own.
With CERT_PEM and KEY_PEM the socket is wrapped with TLS (Python ssl).
The server exits when its stdin reaches end of file, so it cannot outlive a crashed test.
"""
import base64
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

client_id, client_secret, scope, count_file = sys.argv[1:5]
tls = sys.argv[5:7]
counts = {}
lock = threading.Lock()
issued = 0


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, chunked=False):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7):
                part = body[i : i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def send_raw(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global issued
        path = self.path.split("?")[0]
        with lock:
            counts[path] = counts.get(path, 0) + 1
            tmp = count_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(counts, f)
            os.replace(tmp, count_file)
            issued += 1
            serial = issued
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return self.send_json(400, {"error": "invalid_request", "error_description": "content type"})
        if form.get("grant_type") != ["client_credentials"]:
            return self.send_json(400, {"error": "unsupported_grant_type"})
        auth = self.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                ok = urllib.parse.unquote_plus(user) == client_id and urllib.parse.unquote_plus(password) == client_secret
            except Exception:
                ok = False
        if not ok:
            return self.send_json(401, {"error": "invalid_client", "error_description": "bad client credentials"})
        if form.get("scope") != [scope]:
            return self.send_json(400, {"error": "invalid_scope", "error_description": "got %r" % form.get("scope")})
        token = "tok-%d-%s" % (serial, path.strip("/"))
        if path == "/token":
            self.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        elif path == "/short":
            self.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 1})
        elif path == "/jwt":
            header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            claims = b64url(json.dumps({"sub": client_id, "exp": int(time.time()) + 2, "n": serial}).encode())
            self.send_json(200, {"access_token": "%s.%s.%s" % (header, claims, b64url(b"sig")), "token_type": "Bearer"})
        elif path == "/chunked":
            self.send_json(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600}, chunked=True)
        elif path == "/garbage":
            self.send_raw(200, b"<html>this is not JSON</html>")
        elif path == "/mac":
            self.send_json(200, {"access_token": token, "token_type": "mac", "expires_in": 3600})
        elif path == "/big":
            self.send_raw(200, b"x" * (2 << 20))
        elif path == "/slow":
            time.sleep(5)
            self.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        else:
            self.send_json(404, {"error": "not_found"})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, size cap) are expected.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def exit_when_parent_goes():
    sys.stdin.buffer.read()
    os._exit(0)


threading.Thread(target=exit_when_parent_goes, daemon=True).start()
server = Server(("127.0.0.1", 0), Handler)
if tls:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls[0], tls[1])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
