#!/usr/bin/env python3
"""Writes starting inputs for the fuzz targets into DIR/<target>/ (default Fuzz/seeds): valid
record batches for every codec, __consumer_offsets records, /proc/net/tcp text, the example
configs and a few HTTP requests. Valid inputs let the fuzzer start deep inside each format
instead of rediscovering its header. Record sets follow Kafka's record batch format (v2,
CRC-32C) and legacy message sets (v0/v1, CRC-32); offsets records come from the independent
encoder the integration tests use (scripts/offsets_records.py). lz4 and zstd frames use the
command-line tools when present."""
from __future__ import annotations

import gzip
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import offsets_records as orec  # noqa: E402


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def zigzag(v: int) -> bytes:
    return orec.uvarint((v << 1) ^ (v >> 63))


def record(delta: int, key: bytes | None, value: bytes | None, headers=()) -> bytes:
    body = b"\x00" + zigzag(delta * 3) + zigzag(delta)
    body += zigzag(-1) if key is None else zigzag(len(key)) + key
    body += zigzag(-1) if value is None else zigzag(len(value)) + value
    body += zigzag(len(headers))
    for hk, hv in headers:
        body += zigzag(len(hk)) + hk + zigzag(len(hv)) + hv
    return zigzag(len(body)) + body


def compress(codec: int, data: bytes) -> bytes | None:
    if codec == 0:
        return data
    if codec == 1:
        return gzip.compress(data)
    tool = {3: ["lz4", "-c", "-q"], 4: ["zstd", "-c", "-q"]}.get(codec)
    if tool is None:
        return None
    try:
        return subprocess.run(tool, input=data, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def batch_v2(base: int, records: list[bytes], codec: int = 0, control: bool = False,
             transactional: bool = False) -> bytes | None:
    payload = compress(codec, b"".join(records))
    if payload is None:
        return None
    attributes = codec | (0x10 if transactional else 0) | (0x20 if control else 0)
    after_crc = struct.pack(">hiqqqhii", attributes, len(records) - 1, 1_700_000_000_000,
                            1_700_000_000_999, 7 if transactional else -1, 0 if transactional else -1,
                            0 if transactional else -1, len(records)) + payload
    head = struct.pack(">ib", 5, 2) + struct.pack(">I", crc32c(after_crc))
    body = head + after_crc
    return struct.pack(">qi", base, len(body)) + body


def legacy(base: int, magic: int, key: bytes | None, value: bytes | None, codec: int = 0) -> bytes:
    content = struct.pack(">bb", magic, codec)
    if magic == 1:
        content += struct.pack(">q", 1_700_000_000_000)
    content += orec.nbytes(key) + orec.nbytes(value)
    message = struct.pack(">I", zlib.crc32(content)) + content
    return struct.pack(">qi", base, len(message)) + message


def record_sets() -> dict[str, bytes]:
    plain = [record(i, b"k%d" % i, b"value-%d" % i * 3, [(b"h", b"v")] if i == 1 else ()) for i in range(3)]
    out: dict[str, bytes] = {}
    for codec, name in [(0, "none"), (1, "gzip"), (3, "lz4"), (4, "zstd")]:
        b = batch_v2(100, plain, codec)
        if b is not None:
            out[f"v2-{name}"] = b
    marker = record(0, struct.pack(">hh", 0, 0), struct.pack(">hi", 0, 5))  # commit marker
    out["v2-transaction"] = batch_v2(200, plain, transactional=True) + batch_v2(203, [marker], control=True,
                                                                                 transactional=True)
    out["v2-two-batches-cut"] = batch_v2(0, plain) + batch_v2(3, plain)[:40]
    out["legacy-v0-v1"] = legacy(0, 0, b"k", b"v0") + legacy(1, 1, None, b"v1")
    inner = legacy(0, 1, b"a", b"1") + legacy(1, 1, b"b", b"2")
    out["legacy-v1-gzip"] = legacy(1, 1, None, gzip.compress(inner), codec=1)
    return out


def offsets_records() -> dict[str, bytes]:
    def frame(key: bytes, value: bytes | None) -> bytes:
        return bytes([1 if value is None else 0]) + struct.pack(">H", len(key)) + key + (value or b"")

    out = {f"commit-v{v}": frame(orec.commit_key("g", "t", 3), orec.commit_value(v, 42, 1_700_000_000_000,
                                                                                    topic_id=b"\x01" * 16))
           for v in range(5)}
    out["commit-tombstone"] = frame(orec.commit_key("g", "t", 0), None)
    member = {"id": "m-1", "instance": "i", "assignment": {"t": [0, 1]}}
    for v in range(4):
        out[f"group-v{v}"] = frame(orec.group_key("g"), orec.group_value([member], version=v))
    out["other-key"] = frame(orec.other_key(5, "g"), b"\x00\x00")
    return out


def proc_net() -> dict[str, bytes]:
    out = {}
    for i, name in enumerate(["tcp", "tcp6"]):
        try:
            text = Path(f"/proc/net/{name}").read_bytes()
        except OSError:
            continue
        lines = text.splitlines(keepends=True)[:6]
        out[name] = bytes([i]) + b"".join(lines)
    return out


def configs() -> dict[str, bytes]:
    ex = ROOT / "examples"
    web = (ex / "web-config.yml").read_bytes()
    connection = (b"bootstrap: [kafka-1:9092, kafka-2:9092]\n"
                  b"tls: {ca_file: /etc/ca.pem, insecure_skip_verify: false}\n"
                  b"sasl: {mechanism: SCRAM-SHA-512, username: u, password_file: /run/secrets/p}\n")
    return {"web": b"\x00" + web, "connection": b"\x01" + connection,
            "connections": b"\x02- " + connection.replace(b"\n", b"\n  ").rstrip() + b"\n",
            "peers": b"\x03" + (ex / "nodenet-peer-groups.yml").read_bytes()}


def http() -> dict[str, bytes]:
    return {"metrics": b"GET /metrics?timeout=5s&x=%41 HTTP/1.1\r\nHost: a\r\nAuthorization: Basic dTpw\r\n\r\n",
            "pipelined": b"GET / HTTP/1.1\r\n\r\nPOST /-/reload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                         b"GET /probe?target=a%2Fb HTTP/1.0\r\n\r\n",
            "chunked": b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}


def responses() -> dict[str, bytes]:
    # Byte 0 = index into the target's type list, byte 1 = version; minimal bodies.
    return {"api-versions": b"\x00\x00" + struct.pack(">hi", 0, 1) + struct.pack(">hhh", 3, 0, 12),
            "empty-all": bytes(range(0, 22)) + b"\x00" * 32}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "Fuzz" / "seeds"
    for target, seeds in [("record-batch", record_sets()), ("offsets-record", offsets_records()),
                          ("procnet", proc_net()), ("config", configs()), ("http", http()),
                          ("responses", responses())]:
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (d / name).write_bytes(data)
        print(f"{target}: {len(seeds)} seeds in {d}")


if __name__ == "__main__":
    main()
