"""Absolute links for messages that leave the site (email): ``PUBLIC_BASE_URL`` when it
is set (behind a proxy the request's own address may be an internal one), otherwise
the address the request came to."""

from __future__ import annotations

from typing import Any

from litestar import Request

from saypro.platform.settings import Settings


def absolute_url(request: Request[Any, Any, Any], path: str) -> str:
    settings: Settings = request.app.state.settings
    base = settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + "/" + path.lstrip("/")


# Where `saypro serve` listens by default: links in mail sent by jobs (which have no
# request to take an address from) start here when PUBLIC_BASE_URL is not set.
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def absolute_url_for_job(settings: Settings, path: str) -> str:
    base = settings.public_base_url or LOCAL_BASE_URL
    return base.rstrip("/") + "/" + path.lstrip("/")
