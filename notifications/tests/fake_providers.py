"""A fake of every provider the transports talk to, served over real HTTP (and SMTP) on 127.0.0.1.

Each endpoint checks the request the way the real provider does — the Aliyun RPC signature,
Tencent's TC3 signature, the DingTalk sign, the WeCom key, our own webhook signature, the
broadcast token — with its own implementation written from the providers' documentation (it
does not import `notifications.transports.signing`, so a mistake there cannot hide here).
Requests are recorded, and a test can script the next answers: throttling, invalid number,
bad credentials, 5xx, a timeout, garbage.

Use from tests (the outbox's end-to-end deliveries too)::

    from notifications.tests.fake_providers import fake_providers, fake_server  # noqa: F401 (fixtures)

    def test_something(fake_providers):
        fake_providers.script("aliyun_sms", "throttle")       # next SMS is throttled
        ... send deliveries through get_transport(...) ...
        assert fake_providers.requests("aliyun_sms")[0].params["PhoneNumbers"] == "13800000000"

`fake_providers` points every channel of NOTIFICATION_TRANSPORTS at the server (SMS through the
Aliyun fake; `fake_providers.use_tencent_sms()` switches) and gives `endpoint_config(channel)`,
the `message.config` a robot, webhook or broadcast endpoint row would hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

# Credentials the fake accepts (never real ones).
ALIYUN_KEY_ID = "LTAI-fake-key-id"
ALIYUN_KEY_SECRET = "fake-aliyun-secret-0001"
TENCENT_SECRET_ID = "AKID-fake-secret-id"
TENCENT_SECRET_KEY = "fake-tencent-secret-0001"
TENCENT_SDK_APP_ID = "1400006666"
DINGTALK_TOKEN = "fake-dingtalk-token"
DINGTALK_SECRET = "SECfake-dingtalk-secret"
WECOM_KEY = "fake-wecom-key-0001"
WEBHOOK_SECRET = "fake-webhook-secret-0001"
VOICE_SECRET = "fake-voice-secret-0001"
BROADCAST_TOKEN = "fake-broadcast-token-0001"

# Answers a test can script, per provider. "ok" is the default.
MODES = ("ok", "throttle", "invalid_number", "bad_credentials", "server_error", "timeout", "garbage")
TIMEOUT_SLEEP_SECONDS = 1.5  # longer than the read timeout the fixture configures
PROVIDERS = ("aliyun_sms", "aliyun_voice", "tencent_sms", "dingtalk", "wecom", "webhook", "voice", "broadcast")


@dataclass
class Recorded:
    """One request as the fake received it."""

    provider: str
    method: str
    path: str  # the request target as sent, query string included
    query: dict[str, str]  # decoded
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # Aliyun form parameters
    signature_ok: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


# --- independent signature checks, as each provider describes its own verification ------------


def _aliyun_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def aliyun_expected_signature(secret: str, method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in pairs)
    to_sign = method + "&" + _aliyun_encode("/") + "&" + _aliyun_encode(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def tencent_expected_authorization(secret_id: str, secret_key: str, headers: dict[str, str], body: bytes) -> str:
    """Rebuild Authorization from the headers the client says it signed (as Tencent's gateway does)."""
    auth = headers.get("authorization", "")
    signed_names = auth.split("SignedHeaders=", 1)[-1].split(",", 1)[0].strip().split(";")
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_names)
    timestamp = int(headers.get("x-tc-timestamp", "0"))
    day = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, ";".join(signed_names), hashlib.sha256(body).hexdigest()]
    )
    scope = f"{day}/sms/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def step(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = step(step(step(("TC3" + secret_key).encode(), day), "sms"), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={';'.join(signed_names)}, "
        f"Signature={signature}"
    )


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def yingji_expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# --- the server ----------------------------------------------------------------------------


class FakeProviderServer:
    """The threaded HTTP server with its script of answers and its record of requests."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []
        self._scripts: dict[str, list[str]] = {name: [] for name in PROVIDERS}
        self._lock = threading.Lock()
        self._seen_nonces: set[str] = set()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-providers", daemon=True)

    def start(self) -> FakeProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset(self) -> None:
        with self._lock:
            self.records.clear()
            self._seen_nonces.clear()
            for queue in self._scripts.values():
                queue.clear()

    def script(self, provider: str, *modes: str) -> None:
        """Answer the next requests to `provider` with these modes, in order, then "ok" again."""
        if provider not in self._scripts:
            raise ValueError(f"unknown provider {provider!r}; one of {PROVIDERS}")
        for mode in modes:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._lock:
            self._scripts[provider].extend(modes)

    def requests(self, provider: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.records if provider is None or r.provider == provider]

    def _next_mode(self, provider: str) -> str:
        with self._lock:
            queue = self._scripts[provider]
            return queue.pop(0) if queue else "ok"

    def _record(self, record: Recorded) -> None:
        with self._lock:
            self.records.append(record)

    def _nonce_is_new(self, nonce: str) -> bool:
        with self._lock:
            if nonce in self._seen_nonces:
                return False
            self._seen_nonces.add(nonce)
            return True


Answer = tuple[int, dict[str, str], bytes]


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(data).encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProviderServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        routes = {
            "/aliyun/": self._aliyun,
            "/tencent/": self._tencent,
            "/dingtalk/robot/send": self._dingtalk,
            "/wecom/cgi-bin/webhook/send": self._wecom,
            "/voice/call": self._voice,
            "/broadcast/play": self._broadcast,
        }
        route = routes.get(parts.path)
        if route is None and parts.path.startswith("/webhook/"):
            route = self._webhook
        if route is None:
            self._send((404, {"Content-Type": "text/plain"}, b"no such endpoint"))
            return
        _provider, answer = route(self.path, query, headers, body)
        if answer is None:  # the scripted timeout: answer too late for the client
            time.sleep(TIMEOUT_SLEEP_SECONDS)
            answer = (504, {"Content-Type": "text/plain"}, b"too late")
        try:
            self._send(answer)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout mode)
            return

    def _send(self, answer: Answer) -> None:
        status, headers, payload = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _common_mode(self, mode: str) -> Answer | None:
        """The modes every provider answers alike; None for "timeout" (the caller sleeps)."""
        if mode == "server_error":
            return (503, {"Content-Type": "text/plain"}, b"Service Unavailable")
        if mode == "garbage":
            return (200, {"Content-Type": "text/html"}, b"<html>gateway says hello</html>")
        return None

    # Aliyun RPC: SendSms (SMS) and SingleCallByTts (voice) on one endpoint.
    def _aliyun(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        action = params.get("Action", "")
        provider = "aliyun_voice" if action == "SingleCallByTts" else "aliyun_sms"
        expected = aliyun_expected_signature(ALIYUN_KEY_SECRET, "POST", params)
        signature_ok = hmac.compare_digest(expected, params.get("Signature", ""))
        record = Recorded(provider, "POST", path, query, headers, body, params=params, signature_ok=signature_ok)
        self.fake._record(record)
        request_id = str(uuid.uuid4())
        if params.get("AccessKeyId") != ALIYUN_KEY_ID:
            return provider, _json(404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.", "RequestId": request_id})
        if not signature_ok:
            return provider, _json(400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation.", "RequestId": request_id})
        if not self.fake._nonce_is_new(params.get("SignatureNonce", "")):
            return provider, _json(400, {"Code": "SignatureNonceUsed", "Message": "Specified signature nonce was used already.", "RequestId": request_id})
        stamp = params.get("Timestamp", "")
        try:
            sent_at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            sent_at = 0
        if abs(time.time() - sent_at) > 900:
            return provider, _json(400, {"Code": "InvalidTimeStamp.Expired", "Message": f"Specified time stamp or date value is expired: {stamp}", "RequestId": request_id})
        mode = self.fake._next_mode(provider)
        if mode == "timeout":
            return provider, None
        common = self._common_mode(mode)
        if common is not None:
            return provider, common
        if mode == "throttle":
            return provider, _json(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": request_id})
        if mode == "invalid_number":
            return provider, _json(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id})
        if mode == "bad_credentials":
            return provider, _json(404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.", "RequestId": request_id})
        if action == "SendSms":
            return provider, _json(200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.fake.records)}", "RequestId": request_id})
        if action == "SingleCallByTts":
            return provider, _json(200, {"Code": "OK", "Message": "OK", "CallId": f"call-{len(self.fake.records)}", "RequestId": request_id})
        return provider, _json(400, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id})

    def _tencent(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        provider = "tencent_sms"
        expected = tencent_expected_authorization(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, headers, body)
        auth = headers.get("authorization", "")
        signed = auth.split("SignedHeaders=", 1)[-1].split(",", 1)[0].strip().split(";")
        signature_ok = (
            hmac.compare_digest(expected, auth) and "content-type" in signed and "host" in signed
        )
        self.fake._record(Recorded(provider, "POST", path, query, headers, body, signature_ok=signature_ok))
        request_id = str(uuid.uuid4())

        def error(code: str, message: str) -> Answer:
            return _json(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})

        if f"Credential={TENCENT_SECRET_ID}/" not in auth:
            return provider, error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        if not signature_ok:
            return provider, error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if abs(time.time() - int(headers.get("x-tc-timestamp", "0"))) > 300:
            return provider, error("AuthFailure.SignatureExpire", "Signature expired.")
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return provider, error("InvalidAction", "action or version not found")
        payload = json.loads(body)
        if payload.get("SmsSdkAppId") != TENCENT_SDK_APP_ID:
            return provider, error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist")
        phone = payload["PhoneNumberSet"][0]
        mode = self.fake._next_mode(provider)
        if mode == "timeout":
            return provider, None
        common = self._common_mode(mode)
        if common is not None:
            return provider, common
        if mode == "bad_credentials":
            return provider, error("AuthFailure.SecretIdNotFound", "The SecretId is not found")

        def status(code: str, message: str) -> Answer:
            item = {"SerialNo": f"2640:{len(self.fake.records)}", "PhoneNumber": phone, "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": payload.get("SessionContext", ""), "Code": code, "Message": message, "IsoCode": "CN"}
            return _json(200, {"Response": {"SendStatusSet": [item], "RequestId": request_id}})

        if mode == "throttle":
            return provider, status("LimitExceeded.PhoneNumberThirtySecondLimit", "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit")
        if mode == "invalid_number":
            return provider, status("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number")
        return provider, status("Ok", "send success")

    def _robot_mode(self, provider: str, ok_code: int, throttle_code: int) -> Answer | None:
        mode = self.fake._next_mode(provider)
        if mode == "timeout":
            return None
        common = self._common_mode(mode)
        if common is not None:
            return common
        if mode == "throttle":
            return _json(200, {"errcode": throttle_code, "errmsg": "send too fast" if provider == "dingtalk" else "api freq out of limit"})
        if mode in ("invalid_number", "bad_credentials"):
            return _json(200, {"errcode": 310000 if provider == "dingtalk" else 93000, "errmsg": "invalid"})
        return _json(200, {"errcode": ok_code, "errmsg": "ok"})

    def _dingtalk(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        provider = "dingtalk"
        timestamp = query.get("timestamp", "")
        # parse_qsl has already percent-decoded the sign once, as DingTalk's server does.
        sign_ok = bool(timestamp) and hmac.compare_digest(dingtalk_expected_sign(DINGTALK_SECRET, timestamp), query.get("sign", ""))
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
        self.fake._record(Recorded(provider, "POST", path, query, headers, body, signature_ok=sign_ok and fresh))
        if query.get("access_token") != DINGTALK_TOKEN:
            return provider, _json(200, {"errcode": 300001, "errmsg": "token is not exist"})
        if not (sign_ok and fresh):
            return provider, _json(200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
        data = json.loads(body)
        if data.get("msgtype") != "markdown" or not data.get("markdown", {}).get("text"):
            return provider, _json(200, {"errcode": 40035, "errmsg": "缺少参数 text"})
        return provider, self._robot_mode(provider, 0, 130101)

    def _wecom(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        provider = "wecom"
        self.fake._record(Recorded(provider, "POST", path, query, headers, body, signature_ok=query.get("key") == WECOM_KEY))
        if query.get("key") != WECOM_KEY:
            return provider, _json(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        data = json.loads(body)
        msgtype = data.get("msgtype")
        if msgtype not in ("markdown", "text") or not data.get(msgtype, {}).get("content"):
            return provider, _json(200, {"errcode": 44004, "errmsg": "empty content"})
        if len(data[msgtype]["content"].encode()) > (4096 if msgtype == "markdown" else 2048):
            return provider, _json(200, {"errcode": 40058, "errmsg": "content exceed max length"})
        return provider, self._robot_mode(provider, 0, 45009)

    def _signed_json(self, provider: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes, secret: str) -> Answer | None:
        timestamp = headers.get("x-yingji-timestamp", "")
        expected = yingji_expected_signature(secret, timestamp, body)
        ok = bool(timestamp) and hmac.compare_digest(expected, headers.get("x-yingji-signature", ""))
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
        self.fake._record(Recorded(provider, "POST", path, query, headers, body, signature_ok=ok and fresh))
        if not (ok and fresh):
            return _json(401, {"error": "bad_signature"})
        mode = self.fake._next_mode(provider)
        if mode == "timeout":
            return None
        common = self._common_mode(mode)
        if common is not None:
            return common
        if mode == "throttle":
            return _json(429, {"error": "rate_limited"}, {"Retry-After": "30"})
        if mode == "invalid_number":
            return _json(422, {"error": "invalid_number"})
        if mode == "bad_credentials":
            return _json(403, {"error": "forbidden"})
        return _json(200, {"id": f"{provider}-{len(self.fake.records)}", "call_id": f"vc-{len(self.fake.records)}"})

    def _webhook(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        return "webhook", self._signed_json("webhook", path, query, headers, body, WEBHOOK_SECRET)

    def _voice(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        return "voice", self._signed_json("voice", path, query, headers, body, VOICE_SECRET)

    def _broadcast(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[str, Any]:
        provider = "broadcast"
        token_ok = headers.get("authorization") == f"Bearer {BROADCAST_TOKEN}"
        self.fake._record(Recorded(provider, "POST", path, query, headers, body, signature_ok=token_ok))
        if not token_ok:
            return provider, _json(401, {"error": "unauthorized"})
        content_type = headers.get("content-type", "").split(";")[0]
        if content_type not in ("text/plain", "application/cap+xml"):
            return provider, _json(415, {"error": "unsupported_media_type"})
        mode = self.fake._next_mode(provider)
        if mode == "timeout":
            return provider, None
        common = self._common_mode(mode)
        if common is not None:
            return provider, common
        if mode == "throttle":
            return provider, _json(409, {"error": "busy"}, {"Retry-After": "20"})
        if mode in ("invalid_number", "bad_credentials"):
            return provider, _json(404, {"error": "no_such_area"})
        return provider, _json(202, {"id": f"bc-{len(self.fake.records)}"})


# --- a scripted SMTP server, for the e-mail transport over a real socket ----------------------


@dataclass
class SmtpMessage:
    sender: str
    recipients: list[str]
    data: bytes


class FakeSmtpServer:
    """A minimal SMTP responder: records messages and refuses scripted recipients.

    `reject[address] = (550, "no such user")` refuses that recipient at RCPT TO.
    """

    def __init__(self) -> None:
        self.messages: list[SmtpMessage] = []
        self.reject: dict[str, tuple[int, str]] = {}
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 fake-smtp ready")
                sender, recipients = "", []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    command = raw.decode(errors="replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 fake-smtp")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command.split(":", 1)[1].strip(" <>")
                        if address in outer.reject:
                            code, text = outer.reject[address]
                            self.reply(f"{code} {text}")
                        else:
                            recipients.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        lines = []
                        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            lines.append(line)
                        outer.messages.append(SmtpMessage(sender, recipients, b"".join(lines)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="fake-smtp", daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- fixtures ------------------------------------------------------------------------------


def transport_settings(server: FakeProviderServer, *, sms: str = "aliyun") -> dict[str, dict[str, Any]]:
    """NOTIFICATION_TRANSPORTS routing every channel to the fake server."""
    sms_settings: dict[str, Any]
    if sms == "tencent":
        sms_settings = {
            "backend": "notifications.transports.sms.TencentSmsTransport",
            "secret_id": TENCENT_SECRET_ID,
            "secret_key": TENCENT_SECRET_KEY,
            "sdk_app_id": TENCENT_SDK_APP_ID,
            "sign_name": "应急平台",
            "template_id": "1110",
            "endpoint": server.url("/tencent/"),
        }
    else:
        sms_settings = {
            "backend": "notifications.transports.sms.AliyunSmsTransport",
            "access_key_id": ALIYUN_KEY_ID,
            "access_key_secret": ALIYUN_KEY_SECRET,
            "sign_name": "应急平台",
            "template_code": "SMS_000001",
            "endpoint": server.url("/aliyun/"),
        }
    return {
        "sms": sms_settings,
        "voice": {
            "backend": "notifications.transports.voice.GenericHttpVoiceTransport",
            "url": server.url("/voice/call"),
            "secret": VOICE_SECRET,
            "callback_url": "https://yingji.example/notifications/voice/callback",
        },
        "dingtalk": {"backend": "notifications.transports.dingtalk.DingTalkRobotTransport"},
        "wecom": {"backend": "notifications.transports.wecom.WeComRobotTransport"},
        "webhook": {"backend": "notifications.transports.webhook.WebhookTransport"},
        "broadcast": {"backend": "notifications.transports.broadcast.BroadcastTransport"},
        "email": {"backend": "notifications.transports.mail.EmailTransport"},
    }


def endpoint_config(server: FakeProviderServer, channel: str) -> dict[str, Any]:
    """The `message.config` an endpoint row (robot, webhook, broadcast) would carry for the fake."""
    configs: dict[str, dict[str, Any]] = {
        "dingtalk": {"url": server.url(f"/dingtalk/robot/send?access_token={DINGTALK_TOKEN}"), "secret": DINGTALK_SECRET},
        "wecom": {"url": server.url(f"/wecom/cgi-bin/webhook/send?key={WECOM_KEY}")},
        "webhook": {"url": server.url("/webhook/county-command"), "secret": WEBHOOK_SECRET},
        "broadcast": {"url": server.url("/broadcast/play"), "token": BROADCAST_TOKEN, "format": "text"},
    }
    return dict(configs.get(channel, {}))


class FakeProviders:
    """What the `fake_providers` fixture hands a test."""

    def __init__(self, server: FakeProviderServer, settings: Any) -> None:
        self.server = server
        self._settings = settings

    def script(self, provider: str, *modes: str) -> None:
        self.server.script(provider, *modes)

    def requests(self, provider: str | None = None) -> list[Recorded]:
        return self.server.requests(provider)

    def url(self, path: str) -> str:
        return self.server.url(path)

    def endpoint_config(self, channel: str) -> dict[str, Any]:
        return endpoint_config(self.server, channel)

    def use_tencent_sms(self) -> None:
        self._settings.NOTIFICATION_TRANSPORTS = transport_settings(self.server, sms="tencent")


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProviderServer]:
    server = FakeProviderServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_providers(fake_server: FakeProviderServer, settings: Any) -> Iterator[FakeProviders]:
    """Every channel routed to the fake server, short timeouts, a clean record and script."""
    from notifications import http

    fake_server.reset()
    settings.NOTIFICATION_TRANSPORTS = transport_settings(fake_server)
    settings.NOTIFICATION_HTTP = {"connect_timeout": 1.0, "read_timeout": 0.5}
    yield FakeProviders(fake_server, settings)
    fake_server.reset()
    http.close_clients()

