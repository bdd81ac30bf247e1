"""Each provider signature against the worked example in its documentation.

The expected values are the ones the providers publish (Aliyun: AccessKey testid/testsecret,
DescribeRegions; Tencent: the CVM DescribeInstances example with SecretKey
Gu5t9xGARNpq86cd98joQYCN3EXAMPLE at 1551113065). Where a provider publishes no value (DingTalk,
our own webhook signature) the test derives it step by step from the documented algorithm with
hashlib/hmac directly, without calling the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from notifications.transports import signing

ALIYUN_EXAMPLE = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}


def test_aliyun_string_to_sign_matches_the_documented_example() -> None:
    assert signing.aliyun_string_to_sign("GET", ALIYUN_EXAMPLE) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )


def test_aliyun_signature_matches_the_documented_value() -> None:
    assert signing.aliyun_rpc_signature("testsecret", "GET", ALIYUN_EXAMPLE) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_signature_ignores_an_existing_signature_parameter_and_the_order_of_parameters() -> None:
    shuffled = dict(reversed(list({**ALIYUN_EXAMPLE, "Signature": "stale"}.items())))
    assert signing.aliyun_rpc_signature("testsecret", "GET", shuffled) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_percent_encoding_follows_rfc3986_not_form_encoding() -> None:
    assert signing.aliyun_percent_encode("a b*c~d") == "a%20b%2Ac~d"
    assert signing.aliyun_percent_encode("应急") == "%E5%BA%94%E6%80%A5"
    assert signing.aliyun_percent_encode('{"a":"1"}') == "%7B%22a%22%3A%221%22%7D"


def test_aliyun_timestamp_is_utc_without_fractions() -> None:
    assert signing.aliyun_timestamp(1456231584.75) == "2016-02-23T12:46:24Z"


TENCENT_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_tencent_tc3_signature_matches_the_documented_example() -> None:
    authorization = signing.tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        payload=TENCENT_PAYLOAD,
        signed_headers={"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"},
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_tencent_documented_intermediate_hashes() -> None:
    """The payload hash and canonical-request hash the documentation prints, from their definitions."""
    assert hashlib.sha256(TENCENT_PAYLOAD).hexdigest() == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"


def test_tencent_scope_date_is_the_utc_date_not_beijing() -> None:
    """1551113065 is 2019-02-26 00:44:25 in Beijing but 2019-02-25 in UTC: the scope must use UTC."""
    authorization = signing.tc3_authorization(
        secret_id="id", secret_key="key", service="sms", timestamp=1551113065, payload=b"{}",
        signed_headers={"content-type": "application/json", "host": "sms.tencentcloudapi.com"},
    )
    assert "Credential=id/2019-02-25/sms/tc3_request" in authorization


def test_dingtalk_sign_follows_the_documented_steps() -> None:
    secret, timestamp = "SEC000example", 1700000000000
    string_to_sign = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    assert signing.dingtalk_sign(secret, timestamp) == expected
    assert signing.dingtalk_signed_query(secret, timestamp) == f"timestamp={timestamp}&sign={quote_plus(expected)}"


def test_dingtalk_signed_query_escapes_base64_characters() -> None:
    query = signing.dingtalk_signed_query("SEC000example", 1700000000000)
    sign = query.split("sign=", 1)[1]
    assert "+" not in sign and "/" not in sign and "=" not in sign


def test_yingji_signature_is_hmac_of_timestamp_dot_body() -> None:
    body = '{"title":"暴雨红色预警"}'.encode()
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signing.yingji_signature("s3cret", 1700000000, body) == f"sha256={expected}"


def test_yingji_signature_verification_accepts_fresh_and_refuses_tampered_or_stale() -> None:
    body = b'{"delivery_id":1}'
    headers = signing.yingji_signed_headers("s3cret", body, timestamp=1700000000)
    stamp, signature = headers["X-Yingji-Timestamp"], headers["X-Yingji-Signature"]
    assert signing.verify_yingji_signature("s3cret", body, stamp, signature, now=1700000100)
    assert not signing.verify_yingji_signature("s3cret", body + b" ", stamp, signature, now=1700000100)
    assert not signing.verify_yingji_signature("other", body, stamp, signature, now=1700000100)
    assert not signing.verify_yingji_signature("s3cret", body, stamp, signature, now=1700000000 + 301)
    assert not signing.verify_yingji_signature("s3cret", body, "not-a-number", signature, now=1700000000)
