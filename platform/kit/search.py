"""Case-insensitive "contains" filters whose user text is matched literally."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character itself
    escaped, so a search for "10%" finds "10%" and not every code starting with 10."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_pattern(text: str) -> str:
    return f"%{escape_like(text)}%"


def contains(text: str, *columns: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring case."""
    pattern = contains_pattern(text)
    return or_(*(column.ilike(pattern, escape=ESCAPE) for column in columns))
