"""SIGTERM stops lag-exporter cleanly while ingest is busy retrying an unreachable broker: exit
code 0 within the grace period (systemd and Kubernetes send SIGKILL after theirs), every
cluster's ingest stopped by the service group, a final log line."""

from __future__ import annotations

from helpers import free_port, http_ok, wait_until


def test_sigterm_stops_ingest_and_exits_zero(procs, lag_bin, tmp_path):
    config = tmp_path / "lag.yml"
    # Two clusters whose brokers refuse connections: ingest sits in its retry loops.
    config.write_text("clusters:\n"
                      "  - name: a\n    bootstrap: [\"127.0.0.1:1\"]\n"
                      "  - name: b\n    bootstrap: [\"127.0.0.1:2\"]\n    source: admin-api\n")
    port = free_port()
    proc = procs.start("lag-exporter", [str(lag_bin), f"--config.file={config}",
                                        f"--web.listen-address=127.0.0.1:{port}"])
    wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/-/healthy"), 30, what="healthy", proc=proc)
    wait_until(lambda: "failing" in proc.stderr_path.read_text(), 30, what="ingest retrying", proc=proc)
    rc = procs.stop(proc, grace=5)
    log = proc.stderr_path.read_text()
    assert rc == 0, f"exit code {rc} on SIGTERM (SIGKILL after 5 s means it did not stop)\n{log[-2000:]}"
    assert log.rstrip().splitlines()[-1].find("msg=stopped") >= 0, log[-2000:]
