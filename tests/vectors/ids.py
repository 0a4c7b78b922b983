#!/usr/bin/env python3
"""Recomputes the ids of the golden decision documents from their inputs, independently of the
engine, with nothing but the Python standard library.

    python3 tests/vectors/ids.py          # check: exit 1 and a message on any mismatch
    python3 tests/vectors/ids.py --write  # rewrite the ids in goldens.json

action_id   = "act_" + hex(SHA-256(canonical action))[:24]
decision_id = "dec_" + hex(SHA-256(policy hash hex digits (64 ASCII bytes)
                                   + SHA-256(canonical action) (32 bytes)
                                   + sequence (u64 big-endian)
                                   + Unix seconds of the timestamp (i64 big-endian)
                                   + nanoseconds (u32 big-endian)))[:24]

fingerprint = "hmac-sha256:" + hex(HMAC-SHA256(b"agent-policy/fingerprint/v1",
                                              the secret's UTF-8 bytes))[:16]
              (the secret: the string at the redaction's `location` in the action, from byte
              `start` to `end`; the key is the documented default)

approval_request.fingerprint
            = "apr_" + hex(SHA-256(canonical {"action": redacted_action without "id" and
                                              "approval", "effects": effects}))[:24]

The canonical action is compact JSON with object keys sorted. The policy hash is taken from
the golden document itself (it covers the compiled policy, which this script does not
recompute); the conformance tests check it against the engine.
"""
import datetime
import hashlib
import hmac
import json
import pathlib
import re
import struct
import sys

GOLDENS = pathlib.Path(__file__).with_name("goldens.json")


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp(now):
    t = datetime.datetime.fromisoformat(now.replace("Z", "+00:00"))
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    delta = t - epoch
    seconds = delta.days * 86400 + delta.seconds
    return seconds, delta.microseconds * 1000


def ids(vector, policy_hash):
    action_digest = hashlib.sha256(canonical(vector["action"]).encode()).digest()
    seconds, nanos = timestamp(vector["now"])
    material = (
        policy_hash.removeprefix("sha256:").encode()
        + action_digest
        + struct.pack(">QqI", vector.get("sequence", 0), seconds, nanos)
    )
    decision = hashlib.sha256(material).hexdigest()[:24]
    action_id = vector["action"].get("id") or "act_" + action_digest.hex()[:24]
    return action_id, "dec_" + decision


FINGERPRINT_KEY = b"agent-policy/fingerprint/v1"


def at(value, location):
    """The value at a JSONPath of the simple form the engine writes: $.a.b[0]["c d"]."""
    for name, index in re.findall(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|"(?:[^"\\]|\\.)*")\]',
                                  location.removeprefix("$")):
        if name:
            value = value[name]
        elif index.startswith('"'):
            value = value[json.loads(index)]
        else:
            value = value[int(index)]
    return value


def fingerprint(action, redaction):
    text = at(action, redaction["location"]).encode()
    secret = text[redaction["start"]:redaction["end"]]
    digest = hmac.new(FINGERPRINT_KEY, secret, hashlib.sha256).hexdigest()
    return "hmac-sha256:" + digest[:16]


def main():
    write = "--write" in sys.argv[1:]
    doc = json.loads(GOLDENS.read_text())
    bad = 0
    for v in doc["vectors"]:
        full = v["expect"]["full"]
        action_id, decision_id = ids(v, full["policy_hash"])
        if (full["action_id"], full["decision_id"]) != (action_id, decision_id):
            bad += 1
            print(f"{v['name']}: has {full['action_id']} {full['decision_id']}, "
                  f"the formula gives {action_id} {decision_id}")
            full["action_id"], full["decision_id"] = action_id, decision_id
        request = full.get("approval_request")
        if request is not None:
            action = {k: v for k, v in full["redacted_action"].items() if k not in ("id", "approval")}
            text = canonical({"action": action, "effects": full["effects"]})
            expected = "apr_" + hashlib.sha256(text.encode()).hexdigest()[:24]
            if request["fingerprint"] != expected:
                bad += 1
                print(f"{v['name']}: approval fingerprint {request['fingerprint']}, "
                      f"the formula gives {expected}")
                request["fingerprint"] = expected
        for r in full.get("redactions", []):
            expected = fingerprint(v["action"], r)
            if r["fingerprint"] != expected:
                bad += 1
                print(f"{v['name']}: redaction at {r['location']} has fingerprint "
                      f"{r['fingerprint']}, the formula gives {expected}")
                r["fingerprint"] = expected
    if write:
        GOLDENS.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    elif bad:
        sys.exit(1)
    print(f"{len(doc['vectors'])} golden documents: ids, redaction and approval fingerprints {'rewritten' if write else 'checked'}")


if __name__ == "__main__":
    main()
