"""The KPI module's declaration to the platform (loaded through the ``saypro.modules``
entry point)."""

from __future__ import annotations

from pathlib import Path

from saypro.platform.modules import Module
from saypro.tenants.kpis import models as _models  # noqa: F401 - registers the tables

module = Module(name="kpis", template_dir=Path(__file__).parent / "templates")
