"""HTTP surface of nodenet-exporter: exposition validity (promtool), content negotiation,
gzip, and the standard endpoints."""

from __future__ import annotations

import gzip
import socket
import subprocess
import time

import pytest
import requests

from helpers import (
    Exporter, cpu_seconds, curl, free_port, parse_samples, select_samples, start_exporter,
    wait_until,
)

OPENMETRICS = "application/openmetrics-text;version=1.0.0"


def promtool_check(promtool: str, body: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                          timeout=60)


def test_promtool_check_metrics(module_exporter, promtool_bin):
    r = curl(module_exporter.metrics_url)
    assert r.rc == 0 and r.status == 200, (r.rc, r.status, r.stderr)
    cp = promtool_check(promtool_bin, r.body)
    assert cp.returncode == 0, (
        f"promtool check metrics exit {cp.returncode}\nstdout:\n{cp.stdout.decode()}\n"
        f"stderr:\n{cp.stderr.decode()}\n--- body (head) ---\n{r.body[:3000].decode()}")


def test_expected_metric_families(module_exporter):
    samples = parse_samples(module_exporter.scrape().text)
    names = {n for n, _, _ in samples}
    for must in ("nodenet_tcp_connections", "nodenet_build_info",
                 "nodenet_scrape_collector_success"):
        assert must in names, f"{must} missing; have: {sorted(names)[:50]}"
    assert any(n.startswith("process_") for n in names), "no process_* metrics"
    ok = select_samples(samples, "nodenet_scrape_collector_success")
    assert ok and all(v == 1 for _, v in ok), ok


def test_plain_content_type(module_exporter):
    r = curl(module_exporter.metrics_url)
    assert r.status == 200
    ct = r.header("content-type")
    assert ct.replace(" ", "").startswith("text/plain;version=0.0.4"), ct
    assert r.header("content-encoding") in ("", "identity"), r.headers


def test_gzip(module_exporter, promtool_bin):
    r = curl(module_exporter.metrics_url, "-H", "Accept-Encoding: gzip")
    assert r.rc == 0 and r.status == 200, (r.rc, r.status, r.stderr)
    assert r.header("content-encoding") == "gzip", r.headers
    assert r.body[:2] == b"\x1f\x8b", "body is not gzip data"
    text = gzip.decompress(r.body)
    assert b"nodenet_tcp_connections" in text
    cp = promtool_check(promtool_bin, text)
    assert cp.returncode == 0, cp.stdout.decode() + cp.stderr.decode()
    # curl --compressed decodes it transparently too
    r2 = curl(module_exporter.metrics_url, "--compressed")
    assert r2.rc == 0 and b"nodenet_build_info" in r2.body


def test_openmetrics(module_exporter):
    r = curl(module_exporter.metrics_url, "-H", f"Accept: {OPENMETRICS}")
    assert r.rc == 0 and r.status == 200, (r.rc, r.status, r.stderr)
    assert r.header("content-type").startswith("application/openmetrics-text"), r.headers
    assert r.body.endswith(b"# EOF\n"), r.body[-200:]
    assert r.body.count(b"# EOF") == 1


def test_openmetrics_with_gzip(module_exporter):
    r = curl(module_exporter.metrics_url, "-H", f"Accept: {OPENMETRICS}",
             "-H", "Accept-Encoding: gzip")
    assert r.status == 200 and r.header("content-encoding") == "gzip", r.headers
    assert gzip.decompress(r.body).endswith(b"# EOF\n")


def test_prometheus_style_accept_header(module_exporter):
    """What Prometheus 2.42 sends: OpenMetrics preferred, text/plain fallback."""
    accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    r = curl(module_exporter.metrics_url, "-H", f"Accept: {accept}")
    assert r.status == 200
    assert r.header("content-type").startswith("application/openmetrics-text"), r.headers
    assert r.body.endswith(b"# EOF\n")


def test_landing_page(module_exporter):
    r = requests.get(module_exporter.base + "/", timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/html"), r.headers
    assert 'href="/metrics"' in r.text or "href='/metrics'" in r.text, r.text[:1000]


@pytest.mark.parametrize("path", ["/-/healthy", "/-/ready"])
def test_health_endpoints(module_exporter, path):
    r = requests.get(module_exporter.base + path, timeout=10)
    assert r.status_code == 200, (path, r.status_code, r.text[:200])


def test_reload(module_exporter):
    r = requests.post(module_exporter.base + "/-/reload", timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    r = requests.get(module_exporter.base + "/-/reload", timeout=10)
    assert r.status_code == 405, (r.status_code, r.text[:200])
    assert module_exporter.proc.alive()


def test_not_found(module_exporter):
    r = requests.get(module_exporter.base + "/nope", timeout=10)
    assert r.status_code == 404


def test_custom_telemetry_path(procs, exporter_bin):
    exp = start_exporter(procs, exporter_bin, telemetry_path="/custom-metrics")
    r = requests.get(exp.base + "/custom-metrics", timeout=10)
    assert r.status_code == 200 and "nodenet_build_info" in r.text
    r = requests.get(exp.base + "/", timeout=10)
    assert r.status_code == 200 and "/custom-metrics" in r.text
    assert requests.get(exp.base + "/metrics", timeout=10).status_code == 404


def test_two_listen_addresses_and_ipv6(procs, exporter_bin):
    from helpers import free_port, wait_until
    p1, p2 = free_port(), free_port()
    exp = start_exporter(procs, exporter_bin, f"--web.listen-address=[::1]:{p2}", port=p1)
    assert requests.get(exp.metrics_url, timeout=10).status_code == 200
    wait_until(lambda: requests.get(f"http://[::1]:{p2}/metrics", timeout=5).status_code == 200,
               10, what="second listen address [::1]", proc=exp.proc)


def test_version_flag(exporter_bin):
    cp = subprocess.run([str(exporter_bin), "--version"], capture_output=True, timeout=30)
    assert cp.returncode == 0
    out = (cp.stdout + cp.stderr).decode()
    assert out.strip(), "--version printed nothing"


def test_sigterm_exits_cleanly(procs, exporter_bin):
    exp = start_exporter(procs, exporter_bin)
    rc = procs.stop(exp.proc)
    assert rc == 0, f"exit code {rc} on SIGTERM\n{exp.proc.describe()}"


@pytest.mark.parametrize("path", ["/", "/-/healthy"])
def test_head_with_gzip_announces_get_length(module_exporter, path):
    """HEAD answers carry the headers GET would: same Content-Encoding and Content-Length."""
    url = module_exporter.base + path
    get = curl(url, "-H", "Accept-Encoding: gzip")
    head = curl(url, "-I", "-H", "Accept-Encoding: gzip")
    assert get.status == 200 and head.status == 200, (get.status, head.status)
    assert get.header("content-encoding") == "gzip" == head.header("content-encoding")
    assert head.header("content-length") == get.header("content-length") == str(len(get.body))


def test_vary_accept_encoding(module_exporter):
    for opts in ((), ("-H", "Accept-Encoding: gzip")):
        r = curl(module_exporter.metrics_url, *opts)
        assert r.status == 200
        assert "accept-encoding" in r.header("vary").lower(), (opts, r.headers)


def test_stalled_bodies_do_not_exhaust_file_descriptors(procs, exporter_bin):
    """1,100 connections announcing a body they never send used to exhaust a 1,024 open-file
    limit for good. Here: a 256 limit (connection cap 128), 300 stalled connections. Excess ones
    are closed on arrival (or make room, once stalled 1 s), the others get 408 after
    --web.request-read-timeout, a normal scrape succeeds, and the process does not spin."""
    port = free_port()
    proc = procs.start("nodenet-exporter", [
        "prlimit", "--nofile=256:256", "--", str(exporter_bin),
        f"--web.listen-address=127.0.0.1:{port}", "--web.request-read-timeout=3s"])
    exp = Exporter(proc, "127.0.0.1", port, "http")
    wait_until(lambda: requests.get(exp.base + "/-/healthy", timeout=2).status_code == 200,
               30, what="exporter up", proc=proc)
    stalled = []
    try:
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial")
            stalled.append(s)
        start = time.monotonic()
        cpu_before = cpu_seconds(proc.pid)

        def scrape_ok() -> bool:
            try:
                return requests.get(exp.metrics_url, timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_until(scrape_ok, 3 + 7, interval=0.2, what="a scrape despite stalled connections", proc=proc)
        # every stalled connection is closed: at once (over the cap) or by the read timeout (408)
        answers = {}
        for s in stalled:
            s.settimeout(max(0.5, 3 + 5 - (time.monotonic() - start)))
            try:
                data = s.recv(4096)
                key = "408" if data.startswith(b"HTTP/1.1 408") else ("eof" if not data else "other")
            except OSError as e:
                key = type(e).__name__
            answers[key] = answers.get(key, 0) + 1
        assert set(answers) <= {"408", "eof", "ConnectionResetError"}, answers
        assert answers.get("408", 0) > 0, answers
        cpu = cpu_seconds(proc.pid) - cpu_before
        elapsed = time.monotonic() - start
        assert cpu < 0.5 * elapsed + 1, f"{cpu:.1f} s CPU in {elapsed:.1f} s"
    finally:
        for s in stalled:
            s.close()
    samples = parse_samples(requests.get(exp.metrics_url, timeout=10).text)
    refused = select_samples(samples, "nodenet_http_connections_refused_total")
    timeouts = select_samples(samples, "nodenet_http_request_read_timeouts_total")
    limit = select_samples(samples, "nodenet_http_connections_limit")
    assert limit and limit[0][1] == 128, limit
    evicted = select_samples(samples, "nodenet_http_connections_evicted_total")
    closed_at_once = answers.get("eof", 0) + answers.get("ConnectionResetError", 0)
    assert refused and evicted and closed_at_once > 0, (refused, evicted, answers)
    assert refused[0][1] + evicted[0][1] >= closed_at_once, (refused, evicted, answers)
    assert timeouts and timeouts[0][1] >= answers["408"], timeouts
    assert proc.stderr().count("connection limit reached") <= 2, proc.stderr()[-2000:]
