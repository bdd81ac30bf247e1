"""E-mail over a real SMTP conversation with a scripted fake server on 127.0.0.1."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from notifications.tests.fake_providers import FakeSmtpServer
from notifications.transports import Outcome, OutgoingMessage
from notifications.transports.mail import EmailTransport

CAP = '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>'


@pytest.fixture(scope="module")
def smtp() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer()
    yield server
    server.stop()


@pytest.fixture
def transport(smtp: FakeSmtpServer, settings: Any) -> EmailTransport:
    smtp.messages.clear()
    smtp.reject.clear()
    settings.DEFAULT_FROM_EMAIL = "yingji@xiangshan.example"
    return EmailTransport(
        email_backend="django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=smtp.port, timeout=2
    )


def mail(**overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "delivery_id": 12,
        "channel": "email",
        "address": "duty@dandong.example",
        "recipient_name": "丹东街道值班室",
        "title": "寒潮蓝色预警\n(更新)",
        "body": "预计48小时内气温下降8℃以上。\n确认收到:https://yingji.example/ack/C1B",
        "cap_xml": CAP,
    }
    values.update(overrides)
    return OutgoingMessage(**values)


def test_email_goes_out_with_text_body_and_the_cap_attachment(transport: EmailTransport, smtp: FakeSmtpServer) -> None:
    result = transport.send(mail())
    assert result.outcome is Outcome.SENT
    [sent] = smtp.messages
    assert sent.recipients == ["duty@dandong.example"] and sent.sender == "yingji@xiangshan.example"
    parsed = email.message_from_bytes(sent.data)
    assert str(email.header.make_header(email.header.decode_header(parsed["Subject"]))) == "寒潮蓝色预警 (更新)"
    assert parsed["X-Yingji-Delivery"] == "12"
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert "预计48小时内" in parts["text/plain"].get_payload(decode=True).decode()
    attachment = parts["application/cap+xml"]
    assert attachment.get_filename() == "warning.cap.xml" and attachment.get_payload(decode=True).decode() == CAP


def test_email_without_cap_has_no_attachment(transport: EmailTransport, smtp: FakeSmtpServer) -> None:
    transport.send(mail(cap_xml=""))
    parsed = email.message_from_bytes(smtp.messages[0].data)
    assert not parsed.is_multipart()


def test_a_refused_mailbox_is_permanent(transport: EmailTransport, smtp: FakeSmtpServer) -> None:
    smtp.reject["duty@dandong.example"] = (550, "5.1.1 no such user")
    result = transport.send(mail())
    assert result.outcome is Outcome.PERMANENT_FAILURE and "550" in result.detail


def test_a_greylisted_mailbox_is_temporary(transport: EmailTransport, smtp: FakeSmtpServer) -> None:
    smtp.reject["duty@dandong.example"] = (451, "4.7.1 greylisted, try later")
    result = transport.send(mail())
    assert result.outcome is Outcome.TEMPORARY_FAILURE and "451" in result.detail


def test_an_unreachable_mail_server_is_temporary() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = EmailTransport(
        email_backend="django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port, timeout=1
    )
    result = transport.send(mail())
    assert result.outcome is Outcome.TEMPORARY_FAILURE and "SMTP" in result.detail


def test_an_invalid_address_fails_without_connecting(transport: EmailTransport, smtp: FakeSmtpServer) -> None:
    result = transport.send(mail(address="not-an-address"))
    assert result.outcome is Outcome.PERMANENT_FAILURE and smtp.messages == []


def test_default_settings_use_djangos_configured_backend(mailoutbox: Any) -> None:
    result = EmailTransport().send(mail())
    assert result.outcome is Outcome.SENT
    [sent] = mailoutbox
    assert sent.to == ["duty@dandong.example"] and sent.attachments[0][0] == "warning.cap.xml"
