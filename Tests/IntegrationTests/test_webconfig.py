"""--web.config.file (exporter-toolkit format): basic auth with bcrypt, TLS, client certs,
minimum TLS version, and rejection of a bad file. Driven with curl, as an operator would."""

from __future__ import annotations

import subprocess

import pytest

from auth_flood import flood
from helpers import curl, make_pki, parse_samples, select_samples, start_exporter

USERS = {"alice": "secret", "bob": "hunter2", "carol": "s3cr3t!"}


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def htpasswd_hash(user: str, password: str) -> str:
    cp = subprocess.run(["htpasswd", "-nbB", "-C", "5", user, password], capture_output=True,
                        timeout=30, check=True)
    line = cp.stdout.decode().strip()
    name, h = line.split(":", 1)
    assert name == user and h.startswith("$2y$05$"), line
    return h


@pytest.fixture(scope="session")
def bcrypt_users() -> dict[str, str]:
    """alice: htpasswd's $2y$ hash. bob / carol: the same algorithm under the $2b$ and $2a$
    prefixes (identical semantics for these passwords; what Python's bcrypt / Go emit)."""
    return {
        "alice": htpasswd_hash("alice", USERS["alice"]),
        "bob": "$2b$" + htpasswd_hash("bob", USERS["bob"])[4:],
        "carol": "$2a$" + htpasswd_hash("carol", USERS["carol"])[4:],
    }


def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text)
    return p


# ------------------------------------------------------------------------------- basic auth


@pytest.fixture
def auth_exporter(procs, exporter_bin, tmp_path, bcrypt_users):
    users = "".join(f"  {u}: '{h}'\n" for u, h in bcrypt_users.items())
    cfg = write(tmp_path, "web.yml", "basic_auth_users:\n" + users)
    return start_exporter(procs, exporter_bin, web_config=cfg, wait="port")


def test_basic_auth_no_credentials(auth_exporter):
    r = curl(auth_exporter.metrics_url)
    assert r.status == 401, (r.status, r.stderr)
    assert r.header("www-authenticate").lower().startswith("basic"), r.headers
    assert b"nodenet_tcp_connections" not in r.body


@pytest.mark.parametrize("user", sorted(USERS))
def test_basic_auth_wrong_password(auth_exporter, user):
    r = curl(auth_exporter.metrics_url, "-u", f"{user}:wrong-{USERS[user]}")
    assert r.status == 401, (user, r.status)


def test_basic_auth_unknown_user(auth_exporter):
    r = curl(auth_exporter.metrics_url, "-u", "mallory:secret")
    assert r.status == 401


@pytest.mark.parametrize("user", sorted(USERS))  # alice $2y$, bob $2b$, carol $2a$
def test_basic_auth_right_password(auth_exporter, user):
    r = curl(auth_exporter.metrics_url, "-u", f"{user}:{USERS[user]}")
    assert r.status == 200, (user, r.status, r.body[:200])
    assert b"nodenet_tcp_connections" in r.body


# ------------------------------------------------------------------------------- TLS


def tls_exporter(procs, exporter_bin, tmp_path, pki, extra: str = ""):
    cfg = write(tmp_path, "web-tls.yml",
                "tls_server_config:\n"
                f"  cert_file: {pki['server_crt']}\n"
                f"  key_file: {pki['server_key']}\n" + extra)
    exp = start_exporter(procs, exporter_bin, web_config=cfg, wait="port")
    assert exp.scheme == "https"
    return exp


def test_tls_with_ca(procs, exporter_bin, tmp_path, pki):
    exp = tls_exporter(procs, exporter_bin, tmp_path, pki)
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]))
    assert r.rc == 0 and r.status == 200, (r.rc, r.stderr)
    assert b"nodenet_tcp_connections" in r.body
    # SAN DNS:localhost, pinned to 127.0.0.1
    r = curl(f"https://localhost:{exp.port}/metrics", "--cacert", str(pki["ca_crt"]),
             "--resolve", f"localhost:{exp.port}:127.0.0.1")
    assert r.rc == 0 and r.status == 200, (r.rc, r.stderr)
    # plain HTTP to the TLS port does not get the metrics
    r = curl(f"http://127.0.0.1:{exp.port}/metrics", timeout=5)
    assert not (r.rc == 0 and r.status == 200 and b"nodenet_tcp_connections" in r.body)


def test_tls_without_ca_fails(procs, exporter_bin, tmp_path, pki):
    exp = tls_exporter(procs, exporter_bin, tmp_path, pki)
    r = curl(exp.metrics_url)
    assert r.rc != 0, "curl trusted a certificate from an unknown CA"
    r = curl(exp.metrics_url, "--cacert", str(pki["otherca_crt"]))
    assert r.rc != 0, "curl trusted the server with an unrelated CA"


def test_tls_require_client_cert(procs, exporter_bin, tmp_path, pki):
    exp = tls_exporter(procs, exporter_bin, tmp_path, pki,
                       "  client_auth_type: RequireAndVerifyClientCert\n"
                       f"  client_ca_file: {pki['ca_crt']}\n")
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]))
    assert r.rc != 0 or r.status != 200, "served without a client certificate"
    assert b"nodenet_tcp_connections" not in r.body
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]),
             "--cert", str(pki["client_crt"]), "--key", str(pki["client_key"]))
    assert r.rc == 0 and r.status == 200, (r.rc, r.stderr)
    assert b"nodenet_tcp_connections" in r.body
    # a client cert from another CA is refused: the server cert used as a client cert is
    # signed by the right CA but lacks clientAuth; use the unrelated CA's key pair instead
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]),
             "--cert", str(pki["otherca_crt"]),
             "--key", str(pki["otherca_crt"]).replace(".crt", ".key"))
    assert r.rc != 0 or r.status != 200, "served with a client cert from an unknown CA"


def test_tls_min_version_13(procs, exporter_bin, tmp_path, pki):
    exp = tls_exporter(procs, exporter_bin, tmp_path, pki, "  min_version: TLS13\n")
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]), "--tls-max", "1.2")
    assert r.rc != 0, "TLS 1.2 handshake accepted despite min_version: TLS13"
    r = curl(exp.metrics_url, "--cacert", str(pki["ca_crt"]), "--tlsv1.3")
    assert r.rc == 0 and r.status == 200, (r.rc, r.stderr)


def test_tls_and_basic_auth_together(procs, exporter_bin, tmp_path, pki, bcrypt_users):
    exp = tls_exporter(procs, exporter_bin, tmp_path, pki,
                       f"basic_auth_users:\n  alice: '{bcrypt_users['alice']}'\n")
    ca = str(pki["ca_crt"])
    assert curl(exp.metrics_url, "--cacert", ca).status == 401
    r = curl(exp.metrics_url, "--cacert", ca, "-u", "alice:secret")
    assert r.rc == 0 and r.status == 200, (r.rc, r.status, r.stderr)


# ------------------------------------------------------------------------------- bad config


@pytest.mark.parametrize("text,needles", [
    ("basic_auth_userz:\n  alice: x\n", ("basic_auth_userz",)),
    # an unreadable cert fails at start-up (not at the first handshake); the message names the
    # file or at least the key
    ("tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/k.pem\n",
     ("/nonexistent/cert.pem", "cert_file")),
    ("tls_server_config:\n  cert_fil: a\n", ("cert_fil",)),
    # a CR/LF in a header value would end the header block of every response
    ("http_server_config:\n  headers:\n    X-Frame-Options: \"deny\\r\\nX-Evil: 1\"\n",
     ("http_server_config.headers.X-Frame-Options",)),
    # a truncated write must not be read as "no auth"
    ("", ("empty",)),
], ids=["unknown-top-level-key", "missing-cert-file", "unknown-tls-key", "crlf-in-header",
        "empty-file"])
def test_bad_web_config_exits_nonzero(procs, exporter_bin, tmp_path, text, needles):
    cfg = write(tmp_path, "bad.yml", text)
    exp = start_exporter(procs, exporter_bin, web_config=cfg, wait="none")
    try:
        rc = exp.proc.popen.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"exporter still running 10s after a bad web config\n{exp.proc.describe()}")
    assert rc != 0, f"exit code 0 on a bad web config\n{exp.proc.describe()}"
    assert any(n in exp.proc.stderr() for n in needles), \
        f"stderr does not name any of {needles}\n{exp.proc.describe()}"


def test_missing_web_config_file_exits_nonzero(procs, exporter_bin, tmp_path):
    exp = start_exporter(procs, exporter_bin, web_config=tmp_path / "absent.yml", wait="none")
    rc = exp.proc.popen.wait(timeout=10)
    assert rc != 0
    assert "absent.yml" in exp.proc.stderr(), exp.proc.describe()


def test_empty_file_on_reload_keeps_basic_auth(auth_exporter, tmp_path):
    """A truncated web.yml (config management writing in place) must not open the exporter."""
    (tmp_path / "web.yml").write_text("")
    r = curl(auth_exporter.base + "/-/reload", "-X", "POST", "-u", "alice:secret")
    assert r.status == 500, (r.status, r.body)
    assert b"empty" in r.body, r.body
    assert curl(auth_exporter.metrics_url).status == 401
    assert curl(auth_exporter.metrics_url, "-u", "alice:secret").status == 200
    assert "empty" in auth_exporter.proc.stderr(), auth_exporter.proc.describe()


def test_reload_turning_auth_off_is_a_warning(auth_exporter, tmp_path):
    (tmp_path / "web.yml").write_text("{}\n")
    r = curl(auth_exporter.base + "/-/reload", "-X", "POST", "-u", "alice:secret")
    assert r.status == 200, (r.status, r.body)
    assert curl(auth_exporter.metrics_url).status == 200
    err = auth_exporter.proc.stderr()
    assert any("level=warn" in line and "basic auth OFF" in line for line in err.splitlines()), err


def test_bcrypt_cost_out_of_range_exits_nonzero(procs, exporter_bin, tmp_path, bcrypt_users):
    """A $2y$99$ hash was accepted, and every check of it kept a core busy for ever."""
    h = "$2y$99$" + bcrypt_users["alice"][7:]
    cfg = write(tmp_path, "web.yml", f"basic_auth_users:\n  alice: '{h}'\n")
    exp = start_exporter(procs, exporter_bin, web_config=cfg, wait="none")
    rc = exp.proc.popen.wait(timeout=10)
    assert rc != 0
    err = exp.proc.stderr()
    assert "basic_auth_users.alice" in err and "4..31" in err, exp.proc.describe()


def test_wrong_password_flood_does_not_starve_valid_scrapes(procs, exporter_bin, tmp_path):
    """Wrong guesses (each a new password, so nothing is cached) from 60 keep-alive connections
    while Prometheus-like valid scrapes run: those must keep succeeding, well within 10 s.
    Figures for 300 connections come from running auth_flood.py by hand."""
    cp = subprocess.run(["htpasswd", "-nbB", "-C", "10", "alice", "secret"], capture_output=True,
                        timeout=60, check=True)
    h = cp.stdout.decode().strip().split(":", 1)[1]
    cfg = write(tmp_path, "web.yml", f"basic_auth_users:\n  alice: '{h}'\n")
    exp = start_exporter(procs, exporter_bin, web_config=cfg, wait="port")
    assert curl(exp.metrics_url, "-u", "alice:secret").status == 200  # the one bcrypt of alice's
    r = flood("127.0.0.1", exp.port, user="alice", password="secret", victim="alice",
              connections=60, seconds=6)
    assert r["valid"] and r["valid_ok"] == len(r["valid"]), r
    assert r["valid_max_seconds"] < 5, r
    assert set(r["flood_statuses"]) <= {"401", "429"}, r["flood_statuses"]
    assert r["flood_statuses"].get("429", 0) > 0, r["flood_statuses"]
    body = curl(exp.metrics_url, "-u", "alice:secret").body.decode()
    refused = select_samples(parse_samples(body), "nodenet_http_password_checks_refused_total")
    assert refused and refused[0][1] >= r["flood_statuses"]["429"], refused
