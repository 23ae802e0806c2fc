"""Email bodies from templates: ``<name>.subject.txt``, ``<name>.txt`` and, optionally,
``<name>.html`` in this package's ``templates`` folder. Plain text is always sent; HTML
is the alternative part. Autoescaping is on for HTML only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        # A missing variable is a bug in the caller, not an empty line in someone's inbox.
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: dict[str, Any]) -> RenderedEmail:
    env = _environment()
    subject = env.get_template(f"{template}.subject.txt").render(context)
    text = env.get_template(f"{template}.txt").render(context)
    try:
        html: str | None = env.get_template(f"{template}.html").render(context)
    except TemplateNotFound:
        html = None
    # Header injection: a subject is one line, whatever the context held.
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)
