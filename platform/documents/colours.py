"""The status scale's colour names as fills (light, so the key text stays legible)."""

from __future__ import annotations

FILLS = {
    "green": "C6EFCE",
    "darkgreen": "A9D08E",
    "amber": "FFEB9C",
    "red": "FFC7CE",
    "blue": "BDD7EE",
    "grey": "E7E6E6",
}
DEFAULT_FILL = "E7E6E6"


def fill_of(colour: str) -> str:
    return FILLS.get(colour, DEFAULT_FILL)
