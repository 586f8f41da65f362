"""std.email against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from typing import Any

import pytest

from mistral_lite.executor import ActionContext, Executor, Outcome
from tests.support.ports import free_port

import aiosmtpd.controller as aiosmtpd_controller  # noqa: E402


@dataclass
class Mailbox:
    """Messages the test SMTP server accepted."""

    server: str  # "host:port"
    received: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.received.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message": email.message_from_bytes(envelope.content),
        })
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    port = free_port()
    box = Mailbox(server=f"127.0.0.1:{port}")
    controller = aiosmtpd_controller.Controller(box, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


async def wait_for_mail(box: Mailbox, count: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len(box.received) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert len(box.received) >= count


def header(message: Any, name: str) -> str:
    return str(make_header(decode_header(message[name])))


async def test_plain_message_delivered(executor: Executor, ctx: ActionContext, mailbox: Mailbox) -> None:
    params = {
        "from_addr": "robot@example.org",
        "to_addrs": ["ann@example.org", "ben@example.org"],
        "cc_addrs": ["cat@example.org"],
        "bcc_addrs": ["dan@example.org"],
        "reply_to": ["desk@example.org"],
        "smtp_server": mailbox.server,
        "subject": "Build ✓ done",
        "body": "All green.",
    }
    out = await executor.run("std.email", params, ctx, timeout=10)
    assert out == Outcome("SUCCESS", None)
    await wait_for_mail(mailbox)
    mail = mailbox.received[0]
    assert mail["mail_from"] == "robot@example.org"
    assert sorted(mail["rcpt_tos"]) == ["ann@example.org", "ben@example.org", "cat@example.org", "dan@example.org"]
    message = mail["message"]
    assert header(message, "Subject") == "Build ✓ done"
    assert message["From"] == "robot@example.org"
    assert message["To"] == "ann@example.org, ben@example.org"
    assert message["Cc"] == "cat@example.org"
    assert message["Reply-To"] == "desk@example.org"
    assert message["Bcc"] is None
    assert not message.is_multipart()
    assert message.get_payload(decode=True).decode("utf-8") == "All green."


async def test_defaults_for_subject_and_body(executor: Executor, ctx: ActionContext, mailbox: Mailbox) -> None:
    params = {"from_addr": "a@example.org", "to_addrs": ["b@example.org"], "smtp_server": mailbox.server}
    assert await executor.run("std.email", params, ctx, timeout=10) == Outcome("SUCCESS", None)
    await wait_for_mail(mailbox)
    message = mailbox.received[0]["message"]
    assert header(message, "Subject") == "<No subject>"
    assert message.get_payload(decode=True).decode("utf-8") == "<No body>"
    assert message["Reply-To"] is None and message["Cc"] is None


async def test_html_alternative(executor: Executor, ctx: ActionContext, mailbox: Mailbox) -> None:
    params = {
        "from_addr": "a@example.org", "to_addrs": ["b@example.org"], "smtp_server": mailbox.server,
        "body": "plain text", "html_body": "<p>rich <b>text</b></p>",
    }
    assert await executor.run("std.email", params, ctx, timeout=10) == Outcome("SUCCESS", None)
    await wait_for_mail(mailbox)
    message = mailbox.received[0]["message"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode("utf-8") for p in message.get_payload()}
    assert parts == {"text/plain": "plain text", "text/html": "<p>rich <b>text</b></p>"}


async def test_unreachable_server_is_error(executor: Executor, ctx: ActionContext) -> None:
    params = {"from_addr": "a@example.org", "to_addrs": ["b@example.org"], "smtp_server": f"127.0.0.1:{free_port()}"}
    out = await executor.run("std.email", params, ctx, timeout=10)
    assert out.state == "ERROR"
    assert out.result.startswith("The action raised an exception [action=std.email, ")
    assert "msg='Failed to send an email message: " in out.result


async def test_password_requires_starttls(executor: Executor, ctx: ActionContext, mailbox: Mailbox) -> None:
    # The test server offers no STARTTLS: with a password the action must refuse to send in clear.
    params = {"from_addr": "a@example.org", "to_addrs": ["b@example.org"], "smtp_server": mailbox.server,
              "smtp_password": "secret"}
    out = await executor.run("std.email", params, ctx, timeout=10)
    assert out.state == "ERROR"
    assert out.result.startswith("The action raised an exception [action=std.email, ")
    assert "msg='Failed to send an email message: " in out.result
    assert "STARTTLS" in out.result
    assert mailbox.received == []
