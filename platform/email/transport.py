"""Handing a message to the mail server (SMTP), or, with no SMTP server configured
(the embedded demo), to a folder of ``.eml`` files under the data directory so the links
in them can still be followed."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

import structlog

from saypro.platform.settings import Settings

log = structlog.get_logger(__name__)
SMTP_TIMEOUT_SECONDS = 30


def mail_folder(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def deliver(message: EmailMessage, settings: Settings) -> None:
    """Deliver or raise (the job is retried). Never logs the body: it may hold a link."""
    if settings.smtp_host is None:
        folder = mail_folder(settings)
        folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_") + ".eml"
        (folder / name).write_bytes(bytes(message))
        log.info(
            "email.saved", to=message["To"], subject=message["Subject"], path=str(folder / name)
        )
        return
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
    log.info("email.sent", to=message["To"], subject=message["Subject"])
