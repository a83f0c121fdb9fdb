"""Config files an operator (or config management) gets wrong, and files an attacker with
write access to the config directory plants: no secret in any error, log line or HTTP body;
no unbounded reads; no alias bomb pinning the cores; the running config stays in force.
"""
from __future__ import annotations

import subprocess
import time

import pytest
import requests

from helpers import (ProcessManager, free_port, parse_samples, select_samples, share_with_exporter,
                     unprivileged_prefix, wait_until)

SECRET = "hunter2-Zq9xW4"

GOOD = f"""clusters:
  - name: local
    bootstrap: [127.0.0.1:1]
    sasl:
      mechanism: SCRAM-SHA-512
      username: monitor
      password: {SECRET}
"""

BROKEN = [
    # A syntax error on the password's own line (an unclosed flow sequence after it).
    GOOD.replace(f"password: {SECRET}\n", f"password: {SECRET}\n     timeouts: [\n"),
    # Flow style with a missing brace.
    f"clusters:\n  - {{name: local, bootstrap: [127.0.0.1:1], sasl: {{mechanism: PLAIN, username: u, password: {SECRET}}}\n",
    # An unterminated quote.
    GOOD.replace(f"password: {SECRET}", f'password: "{SECRET}'),
    # The same key twice (Yams' own message quotes the whole file).
    GOOD + f"      password: {SECRET}\n",
]


def bomb(levels: int = 8, width: int = 9) -> str:
    out = "a0: &a0 [" + ", ".join(["x"] * width) + "]\n"
    for i in range(1, levels + 1):
        out += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return out + "clusters: []\n"


def check_config(binary, path, timeout=20) -> subprocess.CompletedProcess:
    return subprocess.run(unprivileged_prefix() + [str(binary), "check-config", f"--config.file={path}"],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("n", range(len(BROKEN)))
@pytest.mark.parametrize("product", ["lag", "cluster"])
def test_check_config_never_prints_a_secret(tmp_path, lag_bin, cluster_bin, product, n):
    binary = lag_bin if product == "lag" else cluster_bin
    cfg = tmp_path / "broken.yml"
    cfg.write_text(BROKEN[n])
    share_with_exporter(tmp_path)
    r = check_config(binary, cfg)
    assert r.returncode != 0, r.stdout
    out = r.stdout + r.stderr
    assert SECRET not in out, out
    assert str(cfg) in out and "line " in out, f"the error must still say where: {out}"


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "/proc/self/fd/0", "/tmp"])
@pytest.mark.parametrize("product", ["lag", "cluster"])
def test_non_regular_config_files_are_refused_at_once(lag_bin, cluster_bin, product, path):
    binary = lag_bin if product == "lag" else cluster_bin
    t0 = time.monotonic()
    r = check_config(binary, path, timeout=10)
    assert r.returncode != 0
    assert time.monotonic() - t0 < 5
    assert path in r.stderr, r.stderr


def test_alias_bomb_and_oversized_files_are_refused_quickly(tmp_path, lag_bin):
    share_with_exporter(tmp_path)
    cfg = tmp_path / "bomb.yml"
    cfg.write_text(bomb())
    t0 = time.monotonic()
    r = check_config(lag_bin, cfg)
    assert r.returncode != 0 and "alias" in r.stderr, r.stderr
    assert time.monotonic() - t0 < 5
    big = tmp_path / "big.yml"
    big.write_text("clusters:\n" + "".join(f"  - {{name: c{i}, bootstrap: [h:1]}}\n" for i in range(60_000)))
    share_with_exporter(big)
    r = check_config(lag_bin, big)
    assert r.returncode != 0 and "larger than" in r.stderr, r.stderr


def test_reload_errors_and_logs_never_carry_a_secret(tmp_path, lag_bin):
    pm = ProcessManager(tmp_path / "procs")
    try:
        cfg = tmp_path / "lag.yml"
        cfg.write_text(GOOD)
        port = free_port()
        proc = pm.start("lag-exporter", [lag_bin, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}",
                                         "--log.level=debug"])
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: requests.get(base + "/-/healthy", timeout=2).ok, 30, what="healthy", proc=proc)
        for broken in BROKEN + [bomb()]:
            cfg.write_text(broken)
            r = requests.post(base + "/-/reload", timeout=10)
            assert r.status_code == 500, r.text
            assert SECRET not in r.text, r.text
            assert "lag.yml" in r.text
        time.sleep(1.5)  # the file watcher reloads too: its log lines count as well
        assert proc.alive(), proc.describe()
        logs = proc.stderr() + proc.stdout()
        assert "reload" in logs.lower()
        assert SECRET not in logs, [line for line in logs.splitlines() if SECRET in line][:3]
        # The running config stays in force.
        m = requests.get(base + "/metrics", timeout=10).text
        assert [v for _, v in select_samples(parse_samples(m), "kafka_lag_config_last_reload_successful")] == [0], m
        assert select_samples(parse_samples(m), "kafka_lag_cluster_up", cluster="local"), "the running config"
    finally:
        pm.stop_all()
