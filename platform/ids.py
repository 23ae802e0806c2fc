"""Identifiers: UUID version 7, time-ordered so new rows land at the end of the index."""

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()
