#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/ (checked in; rerun after changing
an input layout). Standard library only: python3 fuzz/seeds/make_seeds.py"""

import base64
import hashlib
import hmac
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
# Not the verifier's secret: verify_header seeds must reach the signature check and fail.
OTHER_SECRET = b"a-secret-the-verifier-does-not-have"
FAR_FUTURE = 4102444800  # 2100-01-01
FAR_PAST = 1000000000  # 2001-09-09


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(header: bytes, claims: bytes, secret: bytes) -> bytes:
    signing_input = f"{b64url(header)}.{b64url(claims)}".encode()
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return signing_input + b"." + b64url(signature).encode()


def pay(*values: bytes) -> str:
    return base64.b64encode(hashlib.sha256(b"".join(v.strip() for v in values)).digest()).decode()


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def write(target: str, name: str, data: bytes) -> None:
    directory = os.path.join(HERE, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def differential(name: str, header: bytes, claims: bytes, shape: int = 0) -> None:
    write("differential", name, bytes([shape]) + struct.pack("<H", len(header)) + header + claims)


HS256 = b'{"alg":"HS256","typ":"JWT"}'
APPROOV = {
    "exp": FAR_FUTURE,
    "iat": FAR_PAST,
    "did": "ExampleApproovDeviceID==",
    "ip": "1.2.3.4",
    "arc": "ANNOTATION",
    "pay": pay(b"Bearer abc"),
}

differential("valid", HS256, compact(APPROOV))
differential("valid-kid-nbf", b'{"typ":"JWT","alg":"HS256","kid":"k1"}',
             compact({"exp": FAR_FUTURE, "nbf": FAR_PAST, "ipk": "MFkwEwYHKoZIzj0CAQY", "iss": "approov.io"}))
differential("expired", HS256, compact({"exp": FAR_PAST, "did": "d"}))
differential("not-yet-valid", HS256, compact({"exp": FAR_FUTURE, "nbf": FAR_FUTURE - 1}))
differential("untyped-claims", b'{"alg":"HS256"}',
             b'{"exp":4102444800.5,"did":5,"ip":["x"],"arc":{"a":1},"pay":null,"aud":["a","b"]}')
differential("no-exp", HS256, b'{"did":"d","nbf":1000000000}')
differential("crit", b'{"alg":"HS256","crit":["b64"],"b64":false}', compact({"exp": FAR_FUTURE}))
differential("duplicate", HS256, b'{"exp":4102444800,"iss":"a","iss":"b"}')
differential("escaped-keys", b'{"\\u0061lg":"HS\\u0032\\u0035\\u0036"}', b'{"\\u0065xp":4102444800,"did":"\\u00e9"}')
differential("wrong-key", HS256, compact(APPROOV), shape=13)
# Grammar (flag bits 4 and 5; see `grammar` in differential.rs): a form byte, then
# (name, value) index pairs. {"alg":"HS256","typ":"JWT"} / {"exp":4102444800,"did":"a","pay":"a"}
differential("grammar-valid", bytes([0, 0, 0, 1, 4]), bytes([0, 0, 5, 4, 18, 6, 18]), shape=0x30)
# {"alg":"HS256"} with raw claims.
differential("grammar-header", bytes([0, 0, 0]), compact({"exp": FAR_FUTURE, "nbf": FAR_PAST}), shape=0x10)

# verify_header: [token length][token][Authorization value]; tokens signed with another
# secret. Tokens over 255 bytes are cut at 255 by the layout: keep them short.
for name, header, claims, authorization in [
    ("hs256-bound", HS256, compact({"exp": FAR_FUTURE, "pay": pay(b"Bearer abc")}), b"Bearer abc"),
    ("hs256-expired", HS256, compact({"exp": FAR_PAST}), b""),
    ("none-alg", b'{"alg":"none"}', compact({"exp": FAR_FUTURE}), b"Bearer abc"),
    ("rs256-kid", b'{"alg":"RS256","kid":"k1"}', compact({"exp": FAR_FUTURE}), b"x"),
]:
    t = token(header, claims, OTHER_SECRET)
    if name == "none-alg":
        t = t.rsplit(b".", 1)[0] + b"."
    assert len(t) <= 255, name
    write("verify_header", name, bytes([len(t)]) + t + authorization)
write("verify_header", "bearer-prefix", bytes([14]) + b"Bearer a.b.c.dBearer abc")


# binding: [flags][per header: presence, length, value][pay text]
def binding(name: str, flags: int, headers, rest: bytes = b"") -> None:
    data = bytes([flags])
    for presence, value in headers:
        data += bytes([presence, len(value)]) + value
    write("binding", name, data + rest)


binding("one-right", 0b000_01, [(1, b"Bearer abc")])
binding("two-right", 0b000_10, [(1, b"Bearer abc"), (1, b" session-1\t")])
binding("three-upper-twice", 0b1_1_000_11, [(1, b"a"), (1, b"b"), (1, b"c")])
binding("raw-pay", 0b001_01, [(1, b"Bearer abc")], pay(b"Bearer abc").encode())
binding("missing-pay", 0b010_01, [(1, b"Bearer abc")])
binding("duplicate-header", 0b000_01, [(2, b"Bearer abc")])
binding("empty-header", 0b000_10, [(1, b"Bearer abc"), (1, b" \t ")])
binding("untrimmed-hash", 0b100_01, [(1, b"  Bearer abc  ")])
binding("url-safe", 0b110_01, [(1, b"Bearer abc")])
binding("no-header", 0b000_00, [])


# Reproducers of the known findings of the differential target (README.md), one file
# each: `target/.../differential fuzz/regressions/differential/<name>` panics with the
# finding until the core is fixed (unless APPROOV_FUZZ_ALLOW_KNOWN names it).
def regression(name: str, header: bytes, claims: bytes) -> None:
    directory = os.path.join(HERE, os.pardir, "regressions", "differential")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(bytes([0]) + struct.pack("<H", len(header)) + header + claims)


regression("f1-header-is-an-array", b'["HS256",null,null]', b'{"exp":4102444800}')
regression("f2-header-not-utf8", b'{"alg":"HS256","x":"\xff"}', b'{"exp":4102444800}')
regression("f2-header-lone-surrogate", b'{"alg":"HS256","x":"\\ud800"}', b'{"exp":4102444800}')
regression("f3-typed-claim-after-null", b'{"alg":"HS256"}', b'{"exp":4102444800,"did":null,"did":"x"}')


# One input per documented difference of the differential target, and the clock window:
# `target/.../differential -runs=0 regressions/differential-probes` must pass and print
# a `first` line for each (README.md).
def probe(name: str, header: bytes, claims: bytes) -> None:
    directory = os.path.join(HERE, os.pardir, "regressions", "differential-probes")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(bytes([0]) + struct.pack("<H", len(header)) + header + claims)


EXP = b'{"exp":4102444800}'
probe("d1-token-too-long", b'{"alg":"HS256"}', b'{"exp":4102444800,"x":"' + b"a" * 6200 + b'"}')
probe("d2-header-too-long", b'{"alg":"HS256","x":"' + b"a" * 400 + b'"}', EXP)
probe("d3-crit", b'{"alg":"HS256","crit":["b64"]}', EXP)
probe("d4-claim-twice", b'{"alg":"HS256"}', b'{"exp":4102444800,"x":1,"x":2}')
probe("d5-claims-array", b'{"alg":"HS256"}', b"[4102444800,0,null,null,null]")
probe("d6-typ-not-a-string", b'{"alg":"HS256","typ":5}', EXP)
probe("d7-typ-twice", b'{"alg":"HS256","typ":"a","typ":"b"}', EXP)
probe("d8-sub-array", b'{"alg":"HS256"}', b'{"exp":4102444800,"sub":[]}')
probe("d9-header-deep", b'{"alg":"HS256","x":' + b"[" * 150 + b"]" * 150 + b"}", EXP)
probe("d9-header-number-out-of-range", b'{"alg":"HS256","x":1e400}', EXP)
probe("d10-typed-not-strings", b'{"alg":"HS256"}', b'{"exp":4102444800,"did":null,"ip":5}')
probe("d11-float-dates", b'{"alg":"HS256"}', b'{"exp":4102444800.7,"nbf":1.5}')
probe("window", b'{"alg":"HS256"}', b'{"exp":1795300000}')
