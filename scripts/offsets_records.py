"""Records in Kafka's group-coordinator format (the `__consumer_offsets` topic), encoded
independently from the Swift decoder, straight from Kafka's message specs (OffsetCommitKey.json,
OffsetCommitValue.json, GroupMetadataKey.json, GroupMetadataValue.json,
ConsumerProtocolAssignment.json; where they live: scripts/kafka-codegen/README.md).
All integers big-endian.
"""
from __future__ import annotations

import struct


def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def string(s: str | None) -> bytes:
    if s is None:
        return i16(-1)
    b = s.encode()
    return i16(len(b)) + b


def nbytes(b: bytes | None) -> bytes:
    return i32(-1) if b is None else i32(len(b)) + b


def uvarint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def compact_string(s: str | None) -> bytes:
    if s is None:
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


# ------------------------------------------------------------------ keys

def commit_key(group: str, topic: str, partition: int, type_: int = 1) -> bytes:
    return i16(type_) + string(group) + string(topic) + i32(partition)


def group_key(group: str) -> bytes:
    return i16(2) + string(group)


def other_key(type_: int, group: str) -> bytes:
    """KIP-848 / share / streams records: the key body starts with the group id."""
    return i16(type_) + string(group) + b"\x00\x00"


# ------------------------------------------------------------------ values

def commit_value(version: int, offset: int, commit_ts: int, metadata: str = "",
                 expire_ts: int = -1, leader_epoch: int = -1, topic_id: bytes | None = None) -> bytes:
    if version in (0, 2):
        return i16(version) + i64(offset) + string(metadata) + i64(commit_ts)
    if version == 1:
        return i16(1) + i64(offset) + string(metadata) + i64(commit_ts) + i64(expire_ts)
    if version == 3:
        return i16(3) + i64(offset) + i32(leader_epoch) + string(metadata) + i64(commit_ts)
    if version == 4:
        tags = b""
        count = 0
        if topic_id is not None:
            tags = uvarint(0) + uvarint(16) + topic_id
            count = 1
        return (i16(4) + i64(offset) + i32(leader_epoch) + compact_string(metadata) + i64(commit_ts)
                + uvarint(count) + tags)
    raise ValueError(version)


def assignment(parts: dict[str, list[int]]) -> bytes:
    """ConsumerProtocolAssignment v0: [topic, [partitions]], userData null."""
    out = i16(0) + i32(len(parts))
    for topic, ps in parts.items():
        out += string(topic) + i32(len(ps)) + b"".join(i32(p) for p in ps)
    return out + nbytes(None)


def group_value(members: list[dict], protocol_type: str = "consumer", generation: int = 1,
                protocol: str | None = "range", leader: str | None = None, version: int = 3,
                state_ts: int = -1) -> bytes:
    """GroupMetadataValue v0..v3 (classic encoding). Each member: id, client_id, host, assignment dict."""
    out = i16(version) + string(protocol_type) + i32(generation) + string(protocol)
    out += string(leader if leader is not None else (members[0]["id"] if members else None))
    if version >= 2:
        out += i64(state_ts)
    out += i32(len(members))
    for m in members:
        out += string(m["id"])
        if version >= 3:
            out += string(m.get("instance"))
        out += string(m.get("client_id", "client")) + string(m.get("host", "/127.0.0.1"))
        if version >= 1:
            out += i32(m.get("rebalance_timeout", 300000))
        out += i32(m.get("session_timeout", 45000))
        out += nbytes(b"")  # subscription (not used by the exporter)
        out += nbytes(assignment(m.get("assignment", {})))
    return out
