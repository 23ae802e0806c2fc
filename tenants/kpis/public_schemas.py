"""What the public performance dashboard shows and how a tenant admin configures it.

The public shapes carry only what a resident may read: a public indicator's code, name,
definition and unit, its approved results and their status. No owner, reviewer, comment,
evidence, draft or internal id is ever part of them.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from saypro.tenants.kpis.models import Unit
from saypro.tenants.kpis.scoring import Direction

MAX_ORIGINS = 20
NO_NUL = r"^[^\x00]*$"


def normalise_origin(raw: str) -> str:
    """``scheme://host[:port]`` in lower case, as a browser states a framing page's origin;
    anything else (a path, a wildcard, credentials, quotes) is refused with the reason."""
    text = raw.strip().rstrip("/").lower()
    if not text:
        raise ValueError("an origin cannot be empty")
    if any(c in text for c in " ;,'\"*\\\x00"):
        raise ValueError(f"{raw!r} is not an origin: no spaces, quotes, wildcards or commas")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http"):
        raise ValueError(f"{raw!r} must start with https:// (or http://)")
    if not parts.hostname or parts.username or parts.password:
        raise ValueError(f"{raw!r} must name a host, without a user name or password")
    if parts.path or parts.query or parts.fragment:
        raise ValueError(f"{raw!r} must be an origin only, e.g. https://www.example.gov.za")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{raw!r} has an invalid port") from None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port is not None else "")


class PublicSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="Whether the dashboard is published")
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_NUL)
    ] = Field(default="", description="Heading of the page; empty: “Performance of <name>”")
    introduction: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=5000, pattern=NO_NUL)
    ] = ""
    allowed_origins: list[str] = Field(
        default_factory=list,
        max_length=MAX_ORIGINS,
        description="Websites that may embed the dashboard, e.g. https://www.example.gov.za",
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins: list[str] = []
        for raw in value:
            origin = normalise_origin(raw)
            if origin not in origins:
                origins.append(origin)
        return origins


class PublicSettingsRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enabled: bool
    title: str
    introduction: str
    allowed_origins: list[str]
    public_indicator_ids: list[uuid.UUID]


class PublicFlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public: bool = Field(description="Show the indicator on the public dashboard")


class PublicFlagRead(BaseModel):
    id: uuid.UUID
    code: str
    public: bool


class PublicStatus(BaseModel):
    key: str = Field(description="The mark on the workspace's scale, e.g. C, D, green, NR")
    label: str
    colour: str
    achievement: Decimal | None = Field(description="Percent of target, direction-aware")


class PublicPoint(BaseModel):
    label: str = Field(description="The period, e.g. Q1 2026/27")
    target: Decimal | None
    actual: Decimal | None = Field(description="The approved actual; none when not approved")


class PublicIndicator(BaseModel):
    code: str
    name: str
    definition: str
    unit: Unit
    decimal_places: int
    direction: Direction
    target: Decimal | None = Field(description="Year-to-date target at the quarter")
    actual: Decimal | None = Field(description="Year-to-date approved actual at the quarter")
    status: PublicStatus | None = Field(description="None before anything is approved")
    trend: list[PublicPoint] = Field(description="Actual against target, recent periods")


class PublicBand(BaseModel):
    key: str
    label: str
    colour: str


class PublicDashboardRead(BaseModel):
    municipality: str
    title: str
    introduction: str
    financial_year: str | None = Field(description="e.g. 2026/27; none before any result")
    quarter: int | None = Field(description="The latest quarter with an approved result")
    as_at: date | None = Field(description="The last day of that quarter")
    note: str
    scale: list[PublicBand] = Field(description="The marks the statuses use, in order")
    indicators: list[PublicIndicator]
