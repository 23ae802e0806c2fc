"""Queued email leaves only with its transaction, reaches a real SMTP server once however
often its job runs, and does not keep single-use links once delivered."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from sqlalchemy import select

from saypro.platform.db.engine import Database
from saypro.platform.email.models import OutgoingEmail
from saypro.platform.email.rendering import render
from saypro.platform.email.service import queue_email_sync
from saypro.platform.email.tasks import SEND_EMAIL
from saypro.platform.jobs.models import OutboxMessage
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.settings import Settings
from tests import servers
from tests.mail import Mailbox, link_in, send_queued_mail, text_of

CONTEXT = {
    "full_name": "Sipho Dlamini",
    "email": "sipho@example.org",
    "changed_at": "25 November 2026 at 10:00",
    "ip_address": "192.0.2.7",
    "reset_url": "https://saypro.example/password-reset",
}


def _queue(database: Database, to: str, *, commit: bool = True) -> OutgoingEmail:
    with database.sync_sessions() as session:
        session.begin()
        queued = queue_email_sync(session, to=to, template="password_changed", context=CONTEXT)
        if commit:
            session.commit()
        else:
            session.rollback()
        return queued


def test_a_committed_message_is_delivered_over_smtp_with_its_job_requested(
    database: Database, settings: Settings, mailbox: Mailbox
) -> None:
    queued = _queue(database, "sipho.commit@example.org")
    with database.sync_sessions() as session:
        jobs = session.scalars(
            select(OutboxMessage).where(OutboxMessage.actor_name == SEND_EMAIL)
        ).all()
    assert any(job.kwargs == {"email_id": str(queued.id)} for job in jobs)

    send_queued_mail(database, settings)
    message = mailbox.wait_for("sipho.commit@example.org")
    assert message["Subject"] == "Your SayPro password was changed"
    assert message["From"] == settings.mail_from
    assert message["Message-ID"] == f"<{queued.id}@saypro.online>"
    assert "192.0.2.7" in text_of(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None and 'href="https://saypro.example/password-reset"' in str(
        html.get_content()
    )


def test_a_rolled_back_message_is_never_sent(
    database: Database, settings: Settings, mailbox: Mailbox
) -> None:
    _queue(database, "sipho.rollback@example.org", commit=False)
    send_queued_mail(database, settings)
    with database.sync_sessions() as session:
        rows = session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.to_address == "sipho.rollback@example.org")
        ).all()
    assert rows == []
    assert mailbox.to("sipho.rollback@example.org") == []


def test_a_redelivered_job_sends_once_and_the_body_is_discarded(
    database: Database, settings: Settings, mailbox: Mailbox
) -> None:
    queued = _queue(database, "sipho.twice@example.org")
    spec = get_job(SEND_EMAIL)
    send_queued_mail(database, settings)
    run_job(database, spec, None, {"email_id": str(queued.id)})  # the same message again
    mailbox.wait_for("sipho.twice@example.org")
    assert len(mailbox.to("sipho.twice@example.org")) == 1
    with database.sync_sessions() as session:
        row = session.get(OutgoingEmail, queued.id)
        assert row is not None
        assert row.sent_at is not None and row.attempts == 1
        assert row.body_text is None and row.body_html is None


def test_an_unreachable_mail_server_fails_the_job_and_keeps_the_message(
    database: Database, settings: Settings
) -> None:
    queued = _queue(database, "sipho.down@example.org")
    unreachable = settings.model_copy(update={"smtp_port": 1})
    with pytest.raises(ConnectionRefusedError):
        send_queued_mail(database, unreachable)  # the worker retries it later
    with database.sync_sessions() as session:
        row = session.get(OutgoingEmail, queued.id)
        assert row is not None and row.sent_at is None and row.body_text is not None
    send_queued_mail(database, settings)


def test_without_an_smtp_server_mail_is_saved_as_files(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    queued = _queue(database, "sipho.file@example.org")
    offline = Settings(SECRET_KEY=servers.TEST_SECRET_KEY, SAYPRO_DATA_DIR=str(tmp_path))
    send_queued_mail(database, offline)
    saved = tmp_path / "mail" / f"{queued.id}_saypro.online.eml"
    message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    assert message["To"] == "sipho.file@example.org"
    assert link_in(message, "/password-reset") == "https://saypro.example/password-reset"
    send_queued_mail(database, settings)


def test_a_subject_is_one_line_whatever_the_context_holds() -> None:
    rendered = render("password_changed", CONTEXT)
    assert "\n" not in rendered.subject
    with pytest.raises(UndefinedError, match="full_name"):
        render("password_changed", {k: v for k, v in CONTEXT.items() if k != "full_name"})
