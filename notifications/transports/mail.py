"""E-mail through Django's mail framework (settings `EMAIL_*`), with the CAP document attached."""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult
from notifications.transports.common import ConfiguredTransport, permanent, temporary

CAP_FILENAME = "warning.cap.xml"
CAP_MIMETYPE = "application/cap+xml"
# Options passed on to the connection, overriding EMAIL_HOST, EMAIL_PORT… for this channel only.
CONNECTION_OPTIONS = ("host", "port", "username", "password", "use_tls", "use_ssl", "timeout")


class EmailTransport(ConfiguredTransport):
    """Plain-text e-mail; options `from_email`, `email_backend` and the connection options above."""

    channel = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> SendResult:
        address = message.address.strip()
        try:
            validate_email(address)
        except ValidationError:
            return permanent(f"电子邮箱地址无效:{message.address!r}")
        subject = " ".join(message.title.split())  # a newline in a subject is a header injection
        email = EmailMessage(
            subject=subject,
            body=message.body,
            from_email=str(self.options.get("from_email") or settings.DEFAULT_FROM_EMAIL),
            to=[address],
            headers={"X-Yingji-Delivery": str(message.delivery_id)},
            connection=self._connection(),
        )
        if message.cap_xml:
            email.attach(CAP_FILENAME, message.cap_xml, CAP_MIMETYPE)
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            return _by_code(code, f"收件人被拒绝:{code} {_text(text)}")
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth failed…
            return _by_code(exc.smtp_code, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out
            return temporary(f"SMTP 连接失败:{type(exc).__name__}: {exc}")
        if sent != 1:
            return temporary("邮件未发出(后端未接受)")
        return SendResult(Outcome.SENT, detail="邮件已交给邮件服务器")

    def _connection(self) -> Any:
        kwargs = {name: self.options[name] for name in CONNECTION_OPTIONS if name in self.options}
        return get_connection(backend=self.options.get("email_backend"), fail_silently=False, **kwargs)


def _by_code(code: int, detail: str) -> SendResult:
    """SMTP reply codes: 4xx is "try again later", 5xx is final."""
    return temporary(detail) if 400 <= code < 500 else permanent(detail)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
