"""std.email: build a MIME message and send it with smtplib on a pool thread."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from mistral_lite.executor.env import ActionEnv
from mistral_lite.executor.outcome import ActionException, Outcome, error_text

# smtplib waits forever by default; a pool thread stuck on a dead server is never freed.
SMTP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom through which server, and the message text."""

    smtp_server: str
    from_addr: str
    recipients: list[str]
    password: str | None
    message: str


async def email(
    env: ActionEnv, /, from_addr: Any, to_addrs: Any, smtp_server: Any, reply_to: Any = None,
    cc_addrs: Any = None, bcc_addrs: Any = None, smtp_password: Any = None,
    subject: Any = "<No subject>", body: Any = "<No body>", html_body: Any = None,
) -> Outcome:
    """Send an e-mail; SUCCESS with null, or ERROR "Failed to send an email message: ..."."""
    to, cc, bcc = _addresses(to_addrs), _addresses(cc_addrs), _addresses(bcc_addrs)
    message = build_message(
        from_addr=str(from_addr), to=to, cc=cc, reply_to=_addresses(reply_to),
        # Mistral: an empty subject or body gets the placeholder too.
        subject=str(subject or "<No subject>"), body=str(body or "<No body>"),
        html_body=str(html_body) if html_body else None,
    )
    envelope = Envelope(
        smtp_server=str(smtp_server), from_addr=str(from_addr), recipients=cc + bcc + to,
        password=None if smtp_password is None else str(smtp_password), message=message,
    )
    try:
        await env.run_blocking(send_envelope, envelope)
    except (smtplib.SMTPException, OSError, ValueError) as e:
        raise ActionException(f"Failed to send an email message: {error_text(e)}") from None
    return Outcome.success(None)


def build_message(
    *, from_addr: str, to: list[str], cc: list[str], reply_to: list[str], subject: str, body: str,
    html_body: str | None,
) -> str:
    """The message text: plain, or multipart/alternative with an HTML part. Bcc stays out of the headers."""
    message: MIMEText | MIMEMultipart
    if html_body is None:
        message = MIMEText(body, "plain", _charset="utf-8")
    else:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(body, "plain", _charset="utf-8"))
        message.attach(MIMEText(html_body, "html", _charset="utf-8"))
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = from_addr
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if reply_to:
        message["Reply-To"] = ", ".join(reply_to)
    return message.as_string()


def send_envelope(envelope: Envelope) -> None:
    """Deliver the message (blocking). With a password: STARTTLS, then log in as the sender."""
    # smtplib itself splits "host:port".
    with smtplib.SMTP(envelope.smtp_server, timeout=SMTP_TIMEOUT) as smtp:
        if envelope.password is not None:
            smtp.ehlo()
            # Unlike Mistral (smtplib's unverified default), the server's certificate is checked.
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
            smtp.login(envelope.from_addr, envelope.password)
        smtp.sendmail(envelope.from_addr, envelope.recipients, envelope.message)


def _addresses(value: Any) -> list[str]:
    """A list of addresses; a single string is one address (Mistral would split it into letters)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
