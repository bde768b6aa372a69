"""Outgoing e-mail: SMTP in production (SMTP_URL), .eml files under var/mail in the default mode, so a demo
or a test can open exactly what a customer would receive."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from insure import clock
from insure.settings import get_settings

SENDER = "Insure <no-reply@insure.example>"


def send(to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> str:  # type: ignore[assignment]
    """Send (or file) one message; returns where it went. Attachments: (filename, data, mime type)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, to, subject
    msg["Date"] = clock.now().strftime("%a, %d %b %Y %H:%M:%S +0000")
    msg["Message-ID"] = f"<{uuid.uuid4()}@insure>"
    msg.set_content(body)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    settings = get_settings()
    if settings.smtp_url:
        parts = urlsplit(settings.smtp_url)
        with smtplib.SMTP(parts.hostname or "localhost", parts.port or 25, timeout=10) as smtp:
            if parts.username:
                smtp.starttls()
                smtp.login(parts.username, parts.password or "")
            smtp.send_message(msg)
        return f"smtp:{to}"
    folder: Path = settings.mail_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    return str(path)
