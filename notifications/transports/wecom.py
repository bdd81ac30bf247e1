"""WeCom group robot (企业微信群机器人): POST to the webhook URL with its `key`."""

from __future__ import annotations

from notifications import http
from notifications.transports.base import Channel, OutgoingMessage, SendResult
from notifications.transports.common import ConfiguredTransport, mainland_mobile, permanent, utf8_truncate
from notifications.transports.dingtalk import classify_robot_answer

DEFAULT_BASE = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
MARKDOWN_MAX_BYTES = 4096  # documented limits of the robot message content
TEXT_MAX_BYTES = 2048


class WeComRobotTransport(ConfiguredTransport):
    """Markdown (default) or text message to one group robot.

    Per message or as options: `url` (the full webhook URL) or `key`; `msgtype` "markdown" or
    "text"; `mentioned_mobiles` (list, text messages only: markdown cannot @ people).
    """

    channel = Channel.WECOM
    per_message_options = ("url", "key", "msgtype", "mentioned_mobiles")

    def send(self, message: OutgoingMessage) -> SendResult:
        url = str(self.option(message, "url"))
        key = str(self.option(message, "key"))
        if not url and key:
            url = f"{self.options.get('base_url') or DEFAULT_BASE}?key={key}"
        if not url:
            return permanent(f"企业微信机器人 {message.address!r} 未配置 webhook 地址")
        msgtype = str(self.option(message, "msgtype", "markdown"))
        if msgtype == "text":
            mobiles = [m for m in (mainland_mobile(str(x)) for x in self.option(message, "mentioned_mobiles", [])) if m]
            content = utf8_truncate(f"{message.title}\n{message.body}", TEXT_MAX_BYTES)
            payload: dict[str, object] = {
                "msgtype": "text",
                "text": {"content": content, "mentioned_mobile_list": mobiles},
            }
        elif msgtype == "markdown":
            text = f"### {message.title}\n{message.body}"
            if message.ack_url and message.ack_url not in message.body:
                text += f"\n[确认收到]({message.ack_url})"
            payload = {"msgtype": "markdown", "markdown": {"content": utf8_truncate(text, MARKDOWN_MAX_BYTES)}}
        else:
            return permanent(f"企业微信机器人不支持的消息类型 {msgtype!r}(可用 markdown、text)")
        result = http.request("POST", url, json_body=payload, secrets=[key])
        return classify_robot_answer(result, "企业微信")
