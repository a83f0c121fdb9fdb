"""push-gateway against Debian's Prometheus Pushgateway (the reference, v1.5.1).

Both gateways get the same sequence of pushes: the real Python `prometheus_client`
(push_to_gateway, pushadd_to_gateway, delete_from_gateway) and raw requests like curl sends,
valid and invalid. Every request must get the same status code from both, and at the end both
must serve the same /metrics: the pushed families, the grouping labels on every sample and the
push_time_seconds / push_failure_time_seconds series (their non-zero values, wall-clock times,
masked), byte for byte. Each gateway's own families (go_*, process_*, pushgateway_*) are left
out. The deliberate differences (docs/push-gateway.md) are tested separately below, against
both gateways, so the documentation's claims about the reference stay true.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import requests
from prometheus_client import (
    CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary, delete_from_gateway,
    pushadd_to_gateway, push_to_gateway,
)

from conftest import built_binary
from helpers import ProcessManager, free_port, wait_until

OWN = re.compile(r"^(# (HELP|TYPE) )?(go_|process_|pushgateway_)")
TS = re.compile(r"^(push_(?:failure_)?time_seconds\{[^}]*\}) (?!0$)\S+$")


class Gateway:
    def __init__(self, name: str, proc, port: int):
        self.name = name
        self.proc = proc
        self.url = f"http://127.0.0.1:{port}"

    def req(self, method: str, path: str, body: bytes = b"", content_type: str | None = None):
        headers = {"Content-Type": content_type} if content_type else {}
        return requests.request(method, self.url + path, data=body, headers=headers, timeout=10,
                                allow_redirects=False)

    def pushed(self) -> str:
        """/metrics without the gateway's own families, push timestamps masked."""
        r = requests.get(self.url + "/metrics", timeout=10)
        assert r.status_code == 200, r.text
        lines = [TS.sub(r"\1 <time>", ln) for ln in r.text.splitlines() if not OWN.match(ln)]
        return "\n".join(lines) + "\n"


def start_reference(pm: ProcessManager, *extra: str) -> Gateway:
    binary = shutil.which("prometheus-pushgateway")
    if not binary:
        pytest.fail("prometheus-pushgateway not installed (run scripts/setup.sh)")
    port = free_port()
    proc = pm.start("prometheus-pushgateway", [binary, f"--web.listen-address=127.0.0.1:{port}",
                                               "--persistence.file=", *extra])
    gw = Gateway("reference", proc, port)
    wait_until(lambda: requests.get(gw.url + "/-/ready", timeout=2).status_code == 200, 20,
               what="reference pushgateway ready", proc=proc)
    return gw


def start_ours(pm: ProcessManager, *extra: str) -> Gateway:
    port = free_port()
    proc = pm.start("push-gateway", [built_binary("push-gateway"),
                                     f"--web.listen-address=127.0.0.1:{port}", *extra])
    gw = Gateway("push-gateway", proc, port)
    wait_until(lambda: requests.get(gw.url + "/-/ready", timeout=2).status_code == 200, 20,
               what="push-gateway ready", proc=proc)
    return gw


@pytest.fixture
def pair(procs):
    return start_reference(procs), start_ours(procs)


def client_registry() -> CollectorRegistry:
    """What a Kafka client's metrics look like through prometheus_client: every metric type."""
    reg = CollectorRegistry()
    c = Counter("client_requests", "Requests sent.", ["broker"], registry=reg)
    c.labels("1").inc(3)
    c.labels("2").inc(0.5)
    g = Gauge("client_queue_messages", "Messages waiting.\nSecond \\ line.", registry=reg)
    g.set(1_000_000)
    h = Histogram("client_rtt_seconds", "Round trip.", ["broker"], buckets=(0.001, 0.01, 0.25, 1.5),
                  registry=reg)
    for v in (0.0005, 0.003, 0.2, 7):
        h.labels("1").observe(v)
    s = Summary("client_batch_bytes", "Batch sizes.", registry=reg)
    s.observe(1234.5)
    s.observe(0.000012)
    Info("client_build", "Client build.", registry=reg).info({"version": "2.6.0", "lang": "py"})
    e = Enum("client_state", "State.", states=["up", "down"], registry=reg)
    e.state("down")
    return reg


def other_registry() -> CollectorRegistry:
    reg = CollectorRegistry()
    Gauge("client_queue_messages", "Messages waiting.\nSecond \\ line.", registry=reg).set(-2.5e-7)
    Gauge("only_here", "Only in one group.", ["path"], registry=reg).labels('a"b\\c').set(float("nan"))
    return reg


PLAIN = "text/plain; version=0.0.4"

# (method, path, body) as curl would send them; valid and invalid.
RAW = [
    ("PUT", "/metrics/job/raw/instance/h1", b"# TYPE up_ish counter\nup_ish{a=\"1\"} 3\nbare 2\n"),
    ("POST", "/metrics/job/raw/instance/h1", b"# TYPE up_ish counter\nup_ish{a=\"2\"} 4\n"),
    ("PUT", "/metrics/job/raw2", b"up_ish{x=\"1\"} 3\n"),                      # untyped vs counter
    ("PUT", "/metrics/job/raw3", b"# TYPE up_ish gauge\nup_ish 3\n"),           # gauge vs counter
    ("PUT", "/metrics/job/raw4", b"stamped 3 1700000000000\n"),                 # timestamp
    ("PUT", "/metrics/job/raw5", b"broken{ 3\n"),                               # parse error
    ("PUT", "/metrics/job/raw6", b"dup 1\ndup 2\n"),                            # duplicate series
    ("PUT", "/metrics/job/raw7", b"# TYPE m gauge\n# TYPE m gauge\nm 1\n"),     # second TYPE
    ("PUT", "/metrics/job/raw8", b"late 1\n# TYPE late gauge\n"),               # TYPE after samples
    ("PUT", "/metrics/job/raw9", b"# TYPE client_rtt_seconds_count gauge\nclient_rtt_seconds_count 1\n"),
    ("PUT", "/metrics/job/raw10", b"x 1\n"),
    ("PUT", "/metrics/job/raw10", b""),                                         # empty PUT: group emptied
    ("POST", "/metrics/job/raw11", b""),                                        # empty POST: group created
    ("PUT", "/metrics/job@base64/am9iL3g=/lbl@base64/=", b"x 1\n"),             # job "job/x", empty label
    ("PUT", "/metrics/job/raw12/lbl/", b"x 1\n"),                               # trailing slash: empty value
    ("PUT", "/metrics/job/raw12/lbl", b"x 1\n"),                                # odd components
    ("PUT", "/metrics/job/raw13/__x/1", b"x 1\n"),                              # reserved label name
    ("PUT", "/metrics/job/raw13/a/b/a/c", b"x 1\n"),                            # last value wins
    ("PUT", "/metrics/job/raw14", b"x{instance=\"z\"} 1\n"),                    # explicit instance kept
    ("PUT", "/metrics/job/a%2Fb/c", b"pc 1\n"),                                 # %2F separates
    ("PUT", "/metrics/job/raw15", b"v 0x10\n"),                                 # hex is no float
    ("PUT", "/metrics/job/raw15", b"# TYPE q summary\nq{quantile=\"0.5\"} 1\nq_sum 3\nq_count 2.7\n"
                                  b"big 1e21\nsmall 0.00001\nneg -0.0\nn NaN\ni +Inf\n"),
    ("PUT", "/metrics/job/raw16", b"# TYPE q_sum gauge\nq_sum 1\n"),            # collides with summary
    ("GET", "/metrics/job/raw14", b""),                                         # method
    ("DELETE", "/metrics/job/raw14", b""),
    ("DELETE", "/metrics/job/never-pushed", b""),
]


def test_same_codes_and_metrics_as_the_pushgateway(pair):
    ref, ours = pair
    codes: list[tuple[str, int, int]] = []

    def both(what: str, fn):
        got = []
        for gw in (ref, ours):
            try:
                fn(gw)
                got.append(200)
            except Exception as e:  # prometheus_client raises on non-2xx  # noqa: BLE001
                m = re.search(r"HTTP Error (\d+)", str(e))
                assert m, f"{gw.name}: {what}: {e}"
                got.append(int(m.group(1)))
        codes.append((what, *got))

    reg, other = client_registry(), other_registry()
    for gw_fn, what in [
        (lambda gw: push_to_gateway(gw.url[7:], job="kafka-client", registry=reg,
                                    grouping_key={"instance": "producer-1", "topic": "orders/eu"}),
         "push_to_gateway"),
        (lambda gw: push_to_gateway(gw.url[7:], job="kafka-client", registry=other,
                                    grouping_key={"instance": "consumer 2", "empty": ""}), "push other"),
        (lambda gw: pushadd_to_gateway(gw.url[7:], job="kafka-client", registry=other,
                                       grouping_key={"instance": "producer-1", "topic": "orders/eu"}),
         "pushadd_to_gateway"),
        (lambda gw: push_to_gateway(gw.url[7:], job="gone", registry=other), "push to delete"),
        (lambda gw: delete_from_gateway(gw.url[7:], job="gone"), "delete_from_gateway"),
    ]:
        both(what, gw_fn)
    for method, path, body in RAW:
        got = [gw.req(method, path, body, PLAIN).status_code for gw in (ref, ours)]
        codes.append((f"{method} {path} {body[:30]!r}", *got))

    assert [c for c in codes if c[1] != c[2]] == [], codes
    # Both refused and accepted something (the sequence exercises both paths).
    assert {c[1] for c in codes} >= {200, 202, 400}
    assert ref.pushed() == ours.pushed()


def test_refusals_name_the_problem(procs):
    ours = start_ours(procs)
    for path, body, words in [
        # Before any scrape: the gateway's own families are known from the start.
        ("/metrics/job/a", b"# TYPE process_open_fds counter\nprocess_open_fds 1\n", "gateway's own metric"),
        ("/metrics/job/a", b"m 1 1700000000000\n", "must not have timestamps"),
        ("/metrics/job/a", b"m{ 1\n", "text format parsing error in line 1"),
        ("/metrics/job/a/lbl", b"m 1\n", "odd number of components"),
        ("/metrics/job/a", b"m 1\nm 1\n", "was collected before with the same name and label values"),
    ]:
        r = ours.req("PUT", path, body, PLAIN)
        assert r.status_code == 400 and words in r.text, (path, body, r.status_code, r.text)


def test_deliberate_differences(pair):
    """Where push-gateway refuses what the Pushgateway 1.5.1 accepts (docs/push-gateway.md)."""
    ref, ours = pair
    # 1. A pushed label contradicting the grouping key: the reference overwrites it silently.
    body = b"m{job=\"other\",instance=\"q\"} 1\n"
    assert ref.req("PUT", "/metrics/job/k1/instance/i", body, PLAIN).status_code == 200
    assert 'm{instance="i",job="k1"} 1' in ref.pushed()
    r = ours.req("PUT", "/metrics/job/k1/instance/i", body, PLAIN)
    assert r.status_code == 400 and 'grouping key says' in r.text
    assert "\nm{" not in ours.pushed()
    # 2. Another help text for a family other groups hold: the reference serves one of them.
    for gw in (ref, ours):
        assert gw.req("PUT", "/metrics/job/h1", b"# HELP hh one\nhh 1\n", PLAIN).status_code == 200
    assert ref.req("PUT", "/metrics/job/h2", b"# HELP hh two\nhh 1\n", PLAIN).status_code == 200
    r = ours.req("PUT", "/metrics/job/h2", b"# HELP hh two\nhh 1\n", PLAIN)
    assert r.status_code == 400 and 'help "two"' in r.text
    # 3. An empty job: the reference redirects (307), push-gateway says why it refuses.
    assert ref.req("PUT", "/metrics/job/", b"x 1\n", PLAIN).status_code == 307
    r = ours.req("PUT", "/metrics/job/", b"x 1\n", PLAIN)
    assert r.status_code == 400 and "job name is required" in r.text


# --------------------------------------------------------------------------------- TTL, limits


def sample(gw: Gateway, name: str, **labels: str) -> float | None:
    """The value of one series in the full /metrics, or None."""
    text = requests.get(gw.url + "/metrics", timeout=10).text
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for ln in text.splitlines():
        if ln.startswith(name + "{" + want + "} ") or (not labels and ln.startswith(name + " ")):
            return float(ln.rsplit(" ", 1)[1])
    return None


def test_ttl_removes_whole_groups_by_job_and_reloads(procs, tmp_path):
    cfg = tmp_path / "push-gateway.yml"
    cfg.write_text("job_ttls:\n  short: 1s\n  keep: 0s\n")
    gw = start_ours(procs, "--metric.ttl=5s", f"--config.file={cfg}")
    t0 = time.monotonic()
    for job in ("short", "keep", "default"):
        for inst in ("a", "b"):
            r = gw.req("PUT", f"/metrics/job/{job}/instance/{inst}", b"m 1\nn 2\n", PLAIN)
            assert r.status_code == 200, r.text
    # The age is visible before expiry.
    assert sample(gw, "push_time_seconds", instance="a", job="short") > 1.7e9
    wait_until(lambda: sample(gw, "m", instance="a", job="short") is None, 5, what="short groups expire",
               proc=gw.proc)
    assert time.monotonic() - t0 >= 1.0
    # Whole groups go, timestamps included; the others stay. ("short/b" was pushed after
    # "short/a", so it may expire a moment later on a loaded machine.)
    assert sample(gw, "push_time_seconds", instance="a", job="short") is None
    wait_until(lambda: sample(gw, "push_time_seconds", instance="b", job="short") is None, 5,
               what="short/b expires", proc=gw.proc)
    assert sample(gw, "m", instance="b", job="short") is None
    assert sample(gw, "m", instance="a", job="default") == 1
    assert sample(gw, "pushgateway_groups_expired_total", job="short") == 2
    # Pushing restarts the clock: "default/a" pushed again (well within its 5 s) outlives "default/b".
    time.sleep(max(0.0, 2.5 - (time.monotonic() - t0)))
    assert gw.req("POST", "/metrics/job/default/instance/a", b"m 3\n", PLAIN).status_code == 200
    assert time.monotonic() - t0 < 4.5, "too slow to test the restart of the clock"
    wait_until(lambda: sample(gw, "m", instance="b", job="default") is None, 5, what="default/b expires",
               proc=gw.proc)
    assert sample(gw, "m", instance="a", job="default") == 3
    wait_until(lambda: sample(gw, "m", instance="a", job="default") is None, 5, what="default/a expires",
               proc=gw.proc)
    assert sample(gw, "pushgateway_groups_expired_total", job="default") == 2
    assert sample(gw, "m", instance="a", job="keep") == 1
    log = gw.proc.stderr()
    assert log.count("group expired") == 4, log
    assert "short" in [ln for ln in log.splitlines() if "group expired" in ln][0], log
    # A reload that fails validation keeps the running TTLs; a good one applies.
    cfg.write_text("job_ttls:\n  keep: soon\n")
    assert requests.post(gw.url + "/-/reload", timeout=10).status_code == 500
    time.sleep(1.2)
    assert sample(gw, "m", instance="a", job="keep") == 1
    cfg.write_text("job_ttls:\n  keep: 1s\n")
    assert requests.post(gw.url + "/-/reload", timeout=10).status_code == 200
    wait_until(lambda: sample(gw, "m", instance="a", job="keep") is None, 5, what="keep expires after reload",
               proc=gw.proc)
    assert sample(gw, "pushgateway_groups") == 0


def test_limits_answer_4xx_and_count(procs):
    gw = start_ours(procs, "--push.max-groups=2", "--push.max-series-per-group=3",
                    "--push.max-body-bytes=200")
    assert gw.req("PUT", "/metrics/job/a", b"m 1\n", PLAIN).status_code == 200
    assert gw.req("PUT", "/metrics/job/b", b"m 1\n", PLAIN).status_code == 200
    r = gw.req("PUT", "/metrics/job/c", b"m 1\n", PLAIN)
    assert r.status_code == 429 and "--push.max-groups" in r.text, r.text
    assert gw.req("PUT", "/metrics/job/a", b"m 2\n", PLAIN).status_code == 200  # existing groups still take pushes
    r = gw.req("POST", "/metrics/job/a", b"x 1\ny 1\nz 1\n", PLAIN)                # 4 series with m
    assert r.status_code == 413 and "--push.max-series-per-group" in r.text, r.text
    assert sample(gw, "m", instance="", job="a") == 2 and sample(gw, "x", instance="", job="a") is None
    r = gw.req("PUT", "/metrics/job/a", b"# " + b"x" * 300 + b"\n", PLAIN)
    assert r.status_code == 413
    assert sample(gw, "pushgateway_http_request_bodies_too_large_total") == 1
    assert sample(gw, "pushgateway_limit_refusals_total", limit="groups") == 1
    assert sample(gw, "pushgateway_limit_refusals_total", limit="series_per_group") == 1
    assert sample(gw, "pushgateway_pushes_total", method="PUT", outcome="limited") == 1
    assert sample(gw, "pushgateway_pushes_total", method="PUT", outcome="accepted") == 3
    assert sample(gw, "pushgateway_groups") == 2


# --------------------------------------------------------------------------------- persistence, API


def api_groups(gw: Gateway) -> list[dict]:
    """/api/v1/metrics with wall-clock fields masked, groups sorted by grouping labels."""
    r = requests.get(gw.url + "/api/v1/metrics", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    out = []
    for g in body["data"]:
        g = dict(g)
        for name, f in g.items():
            if isinstance(f, dict) and "metrics" in f:
                f.pop("time_stamp")
                if name.startswith("push_"):
                    for m in f["metrics"]:
                        m["value"] = "<time>" if m["value"] != "0" else "0"
        out.append(g)
    return sorted(out, key=lambda g: sorted(g["labels"].items()))


def test_api_v1_metrics_and_status_like_the_pushgateway(procs):
    ref, ours = start_reference(procs, "--web.enable-admin-api"), start_ours(procs, "--web.enable-admin-api")
    pushes = [
        ("PUT", "/metrics/job/a/instance/x", b"# HELP c Count.\n# TYPE c counter\nc{k=\"v\"} 3\n"
                                             b"# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_sum 2\nh_count 3\n"
                                             b"# TYPE s summary\ns{quantile=\"0.9\"} 7\ns_sum 8\ns_count 9\n"
                                             b"neg -0.0\nbig 1e21\n"),
        ("PUT", "/metrics/job/b", b"g 1 1700000000000\n"),   # refused: failure time only
        ("POST", "/metrics/job/c@base64/YS9i", b""),
    ]
    for method, path, body in pushes:
        assert ref.req(method, path, body, PLAIN).status_code == ours.req(method, path, body, PLAIN).status_code
    assert api_groups(ours) == api_groups(ref)
    for gw in (ref, ours):
        st = requests.get(gw.url + "/api/v1/status", timeout=10).json()
        assert st["status"] == "success" and st["data"]["flags"]["web.enable-admin-api"] == "true", st
        assert st["data"]["start_time"].startswith("20"), st
        # Admin wipe: 202, then nothing held.
        assert gw.req("PUT", "/api/v1/admin/wipe").status_code == 202
        assert requests.get(gw.url + "/api/v1/metrics", timeout=10).json()["data"] == []


def test_admin_api_is_off_by_default(pair):
    for gw in pair:
        assert gw.req("PUT", "/metrics/job/a", b"m 1\n", PLAIN).status_code == 200
        assert gw.req("PUT", "/api/v1/admin/wipe").status_code == 404
        assert "m{" in gw.pushed()


def test_persistence_survives_a_restart_and_keeps_a_corrupt_file(procs, tmp_path):
    state = tmp_path / "push-gateway.json"
    args = (f"--persistence.file={state}", "--persistence.interval=1s", "--metric.ttl=4s")
    gw = start_ours(procs, *args)
    reg = client_registry()
    push_to_gateway(gw.url[7:], job="kafka-client", registry=reg, grouping_key={"instance": "p1"})
    pushed_at = time.monotonic()
    assert gw.req("PUT", "/metrics/job/refused", b"m 1 1700000000000\n", PLAIN).status_code == 400
    before = gw.pushed()
    wait_until(lambda: sample(gw, "pushgateway_persistence_writes_total", result="success") >= 1, 5,
               what="a periodic write", proc=gw.proc)
    procs.stop(gw.proc)                                         # SIGTERM: a last write, then exit
    assert state.is_file() and not Path(str(state) + ".tmp").exists()
    gw = start_ours(procs, *args)
    after = gw.pushed()
    # Timestamps are restored too, not re-stamped: compare them unmasked.
    raw = [ln for ln in requests.get(gw.url + "/metrics", timeout=10).text.splitlines()
           if ln.startswith("push_time_seconds")]
    assert after == before and raw, (before, after)
    # The TTL counts from the last push before the restart.
    wait_until(lambda: sample(gw, "push_time_seconds", instance="p1", job="kafka-client") is None, 8,
               what="restored group expires", proc=gw.proc)
    assert 3.5 <= time.monotonic() - pushed_at
    procs.stop(gw.proc)
    # A corrupt file: reported, moved aside (kept), counted; the gateway starts empty and works.
    state.write_text('{"format": "push-gateway/1", "groups": [{"truncated')
    gw = start_ours(procs, *args)
    aside = list(tmp_path.glob("push-gateway.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().endswith("truncated")
    assert "persistence file unreadable" in gw.proc.stderr()
    assert sample(gw, "pushgateway_persistence_restore_failures_total") == 1
    assert gw.req("PUT", "/metrics/job/a", b"m 1\n", PLAIN).status_code == 200


# --------------------------------------------------------------------------------- protobuf bodies

PROTO = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"


def delimited_frames(data: bytes) -> dict[str, bytes]:
    """Varint-delimited MetricFamily messages by family name (field 1), length prefix included."""
    def varint(i: int) -> tuple[int, int]:
        r = s = 0
        while True:
            b = data[i]
            i += 1
            r |= (b & 0x7F) << s
            s += 7
            if not b & 0x80:
                return r, i
    frames, i = {}, 0
    while i < len(data):
        start = i
        n, j = varint(i)
        i = j + n
        assert data[j] == 0x0A, "field 1 (name) first, as Go writes it"
        frames[data[j + 2:j + 2 + data[j + 1]].decode()] = data[start:i]
    return frames


def test_delimited_protobuf_bodies_from_go(pair, procs):
    """Real Go-encoded bytes: a third Pushgateway is pushed text and asked for its /metrics in the
    delimited protobuf format (the Go client's push encoding); those bytes go to both gateways."""
    ref, ours = pair
    source = start_reference(procs)
    reg = client_registry()
    push_to_gateway(source.url[7:], job="go", registry=reg, grouping_key={"instance": "p1"})
    assert source.req("POST", "/metrics/job/go/instance/p1", b"# HELP t With \\\\ and \\n.\n# TYPE t gauge\n"
                      b"t{v=\"a\\\"b\"} -0.0\nbig 1e21\nn NaN\n", PLAIN).status_code == 200
    pb = requests.get(source.url + "/metrics", headers={"Accept": PROTO}, timeout=10)
    assert pb.headers["Content-Type"].startswith("application/vnd.google.protobuf"), pb.headers
    frames = delimited_frames(pb.content)
    pushed = [n for n in frames if n in {"t", "big", "n"}]
    assert sorted(pushed) == ["big", "n", "t"], sorted(frames)
    body = b"".join(frames[n] for n in pushed)
    first_client = b"".join(f for n, f in frames.items() if n.startswith("client_"))
    assert first_client
    codes = []
    for path, data in [("/metrics/job/go/instance/p1", first_client), ("/metrics/job/go/instance/p1", body),
                       ("/metrics/job/go/instance/p2", body[:-3])]:        # truncated
        codes.append([gw.req("POST", path, data, PROTO).status_code for gw in (ref, ours)])
    assert codes == [[200, 200], [200, 200], [400, 400]], codes
    assert ref.pushed() == ours.pushed()
    assert 'client_rtt_seconds_bucket{broker="1",instance="p1",job="go",le="0.25"} 3' in ours.pushed()
