"""systemd and many container runtimes start services with an open-file soft limit of 1,024 and a
higher hard limit. The exporters raise the soft limit to the hard one at start (as Go programs do),
so the connection cap and Kafka connections are not bound by a `select(2)`-era default."""

from __future__ import annotations

from helpers import free_port, http_get, http_ok, parse_samples, select_samples, wait_until


def test_soft_open_file_limit_is_raised_to_the_hard_limit(procs, exporter_bin):
    port = free_port()
    proc = procs.start("nodenet-exporter", [
        "prlimit", "--nofile=1024:8192", "--", str(exporter_bin),
        f"--web.listen-address=127.0.0.1:{port}"])
    url = f"http://127.0.0.1:{port}/metrics"
    wait_until(lambda: http_ok(url), 30, what=url, proc=proc)
    status, body = http_get(port, "/metrics")
    assert status == 200
    samples = parse_samples(body.decode())
    assert select_samples(samples, "process_max_fds")[0][1] == 8192
    # The connection cap follows the raised limit: 8192 minus a quarter kept in reserve.
    assert select_samples(samples, "nodenet_http_connections_limit")[0][1] == 8192 - 8192 // 4
    log = proc.stderr_path.read_text()
    assert "raised the open-file soft limit to the hard limit" in log and "from=1024" in log, log
