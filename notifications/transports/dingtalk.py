"""DingTalk custom robot (钉钉自定义机器人) with the "加签" signature.

The robot's webhook URL carries `access_token`; with signing enabled every request adds
`timestamp` (milliseconds) and `sign` = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))).
A robot may instead be secured by keywords or an IP allow-list; then no secret is configured and
the title must contain the keyword.
"""

from __future__ import annotations

import time

from notifications import http
from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult
from notifications.transports.common import (
    THROTTLE_RETRY_SECONDS,
    ConfiguredTransport,
    classify_http,
    mainland_mobile,
    permanent,
    temporary,
)
from notifications.transports.signing import dingtalk_signed_query

DEFAULT_BASE = "https://oapi.dingtalk.com/robot/send"
# errcode values that a later retry can cure: "sending too fast" (robots allow 20 per minute) and busy.
TEMPORARY_ERRCODES = frozenset({-1, 130101, 410100})


class DingTalkRobotTransport(ConfiguredTransport):
    """Markdown message with the acknowledgement link to one group robot.

    Per message (`message.config`, from the group channel row) or as options: `url` (the full
    webhook URL with `access_token`) or `access_token`; `secret` when signing is on;
    `at_mobiles` (list) to @ people in the group. `address` names the robot for the record.
    """

    channel = Channel.DINGTALK
    per_message_options = ("url", "access_token", "secret", "at_mobiles")

    def send(self, message: OutgoingMessage) -> SendResult:
        url = str(self.option(message, "url"))
        token = str(self.option(message, "access_token"))
        secret = str(self.option(message, "secret"))
        if not url and token:
            url = f"{self.options.get('base_url') or DEFAULT_BASE}?access_token={token}"
        if not url:
            return permanent(f"钉钉机器人 {message.address!r} 未配置 webhook 地址")
        if secret:
            url += ("&" if "?" in url else "?") + dingtalk_signed_query(secret, int(time.time() * 1000))
        mobiles = [m for m in (mainland_mobile(str(x)) for x in self.option(message, "at_mobiles", [])) if m]
        text = f"### {message.title}\n\n{message.body}"
        if message.ack_url and message.ack_url not in message.body:
            text += f"\n\n[确认收到]({message.ack_url})"
        if mobiles:
            text += "\n\n" + " ".join(f"@{m}" for m in mobiles)
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
        result = http.request("POST", url, json_body=payload, secrets=[secret, token])
        return classify_robot_answer(result, "钉钉")


def classify_robot_answer(result: http.HttpResult, provider: str) -> SendResult:
    """Both DingTalk and WeCom answer HTTP 200 with `{"errcode": …, "errmsg": …}`."""
    answer = result.json() if result.error is None else None
    if not isinstance(answer, dict) or "errcode" not in answer:
        outcome = classify_http(result)
        if outcome.outcome is Outcome.SENT:
            return temporary(f"{provider}应答无法识别:{result.describe()}")
        return outcome
    try:
        code = int(answer["errcode"])
    except (TypeError, ValueError):
        return temporary(f"{provider}应答无法识别:{result.describe()}")
    detail = f"errcode {code}: {answer.get('errmsg', '')}"
    if code == 0:
        return SendResult(Outcome.SENT, detail=detail)
    if code in TEMPORARY_ERRCODES or code in WECOM_TEMPORARY_ERRCODES:
        return temporary(detail, THROTTLE_RETRY_SECONDS)
    return permanent(detail)


# WeCom: 45009 "api freq out of limit" (20 per minute per robot); -1 system busy.
WECOM_TEMPORARY_ERRCODES = frozenset({-1, 45009})
