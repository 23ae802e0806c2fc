"""Outgoing email, written in the transaction that decides to send it.

The row is the message's only copy until it is delivered: the ``email.send`` job reads
it, hands it to the mail server and marks it sent. Bodies often hold single-use links,
so they are discarded once the message has left.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saypro.platform.db.base import Base, Timestamped
from saypro.platform.ids import new_id


class OutgoingEmail(Timestamped, Base):
    __tablename__ = "outgoing_emails"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The municipality the message concerns, if any (its deletion removes the message).
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(100))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
