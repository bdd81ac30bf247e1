"""Request signatures, each written from its provider's published algorithm.

Kept apart from the transports so every algorithm is a pure function with a worked example in
the tests (fixed key, timestamp and nonce → the value the provider documents), and so the
receiver side of our own webhook signature can be imported by a view without pulling in a
transport.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

# --- Aliyun RPC style, signature version 1.0 (HMAC-SHA1, "POP") ---------------------------


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun specifies it: only A-Z a-z 0-9 - _ . ~ stay as they are.

    (Space becomes %20, not "+"; "*" becomes %2A; UTF-8 bytes are encoded one by one.)
    """
    return quote(value, safe="-_.~")


def aliyun_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """`METHOD&%2F&` + the encoded canonical query (sorted by name, Signature excluded)."""
    canonical = "&".join(
        f"{aliyun_percent_encode(name)}={aliyun_percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )
    return f"{method.upper()}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"


def aliyun_rpc_signature(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign)), the value of the `Signature` parameter."""
    digest = hmac.new(
        f"{access_key_secret}&".encode(), aliyun_string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def aliyun_timestamp(moment: float | None = None) -> str:
    """ISO 8601 in UTC without fractions (`2016-02-23T12:46:24Z`), as the `Timestamp` parameter wants."""
    when = datetime.fromtimestamp(moment if moment is not None else time.time(), tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Tencent Cloud API 3.0, TC3-HMAC-SHA256 ---------------------------------------------------

TC3_ALGORITHM = "TC3-HMAC-SHA256"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    payload: bytes,
    signed_headers: Mapping[str, str],
    method: str = "POST",
    canonical_uri: str = "/",
    canonical_query: str = "",
) -> str:
    """The `Authorization` header value for a Tencent Cloud API 3.0 request.

    `signed_headers` are the headers that take part (at least content-type and host), with the
    exact values that are sent. The credential scope date is the UTC date of `timestamp`.
    """
    headers = {name.lower().strip(): value.strip().lower() for name, value in signed_headers.items()}
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in names)
    signed_names = ";".join(names)
    canonical_request = "\n".join(
        [method.upper(), canonical_uri, canonical_query, canonical_headers, signed_names, _sha256_hex(payload)]
    )
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join([TC3_ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode())])
    secret_date = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac_sha256(secret_date, service)
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{TC3_ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_names}, Signature={signature}"


# --- DingTalk custom robot ("加签") -------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), before URL encoding."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_signed_query(secret: str, timestamp_ms: int) -> str:
    """`timestamp=…&sign=…` to append to the robot's webhook URL (the sign URL-encoded)."""
    return f"timestamp={timestamp_ms}&sign={quote_plus(dingtalk_sign(secret, timestamp_ms))}"


# --- Yingji's own signature: outgoing webhooks and the generic voice gateway -------------------

SIGNATURE_HEADER = "X-Yingji-Signature"
TIMESTAMP_HEADER = "X-Yingji-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def yingji_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256(secret, f"{timestamp}." + body) over the exact body bytes."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def yingji_signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(moment), SIGNATURE_HEADER: yingji_signature(secret, moment, body)}


def verify_yingji_signature(
    secret: str,
    body: bytes,
    timestamp_header: str,
    signature_header: str,
    *,
    now: int | None = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when the signature matches and the timestamp is fresh (stops replays of old requests)."""
    if not timestamp_header.isdigit() or not secret:
        return False
    moment = int(timestamp_header)
    current = int(time.time()) if now is None else now
    if abs(current - moment) > tolerance_seconds:
        return False
    return hmac.compare_digest(yingji_signature(secret, moment, body), signature_header.strip())
