"""The OpenAPI document is a contract with the municipalities' integrations: its paths
and schemas change only on purpose. The committed copy is what clients were promised;
after a deliberate change, rewrite it with

    UPDATE_SNAPSHOTS=1 python -m pytest tests/platform/web/test_openapi_snapshot.py
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


def _document(client: TestClient[Litestar]) -> dict[str, Any]:
    response = client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    # The version line moves with each release; everything else is the contract.
    schema.get("info", {}).pop("version", None)
    return schema


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_document_matches_the_committed_copy(client: TestClient[Litestar]) -> None:
    current = _text(_document(client))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8")
    if current != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                "committed openapi.json",
                "current app",
                n=2,
            )
        )
        raise AssertionError(
            "the OpenAPI document changed (set UPDATE_SNAPSHOTS=1 if on purpose):\n" + diff[:20_000]
        )


def test_the_snapshot_covers_the_json_api() -> None:
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert "/api/v1/t/{tenant_slug}/objectives" in committed["paths"]
    assert len(committed["components"]["schemas"]) > 20
