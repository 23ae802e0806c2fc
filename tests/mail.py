"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests that
read the message a person would get."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.email.models import OutgoingEmail
from saypro.platform.email.tasks import SEND_EMAIL
from saypro.platform.jobs import context as job_context
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.settings import Settings


@dataclass
class Mailbox:
    """What the server received, in order."""

    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._arrived = threading.Condition(self._lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._arrived:
            self.messages.append(parsed)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 10.0) -> EmailMessage:
        """The ``count``-th message to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self.messages if address.lower() in str(m["To"]).lower()]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no message number {count} to {address} arrived")
                self._arrived.wait(remaining)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no plain-text part"
    return str(part.get_content())


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The first link in the message's text whose path starts with ``path_prefix``."""
    match = re.search(r"https?://[^\s/]+(" + re.escape(path_prefix) + r"[^\s]*)", text_of(message))
    assert match is not None, f"no {path_prefix} link in: {text_of(message)}"
    return match.group(0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        # The controller checks it is up by connecting to its port, so it needs a real one.
        self.port = _free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def send_queued_mail(database: Database, settings: Settings) -> int:
    """Deliver every unsent message through the real job."""
    job_context.configure(settings)
    with database.sync_sessions() as session:
        pending = session.scalars(
            select(OutgoingEmail.id).where(OutgoingEmail.sent_at.is_(None))
        ).all()
    spec = get_job(SEND_EMAIL)
    for email_id in pending:
        run_job(database, spec, None, {"email_id": str(email_id)})
    return len(pending)
