"""The strategy module's declaration to the platform."""

from __future__ import annotations

from saypro.platform.modules import Module
from saypro.tenants.strategy import models as _models  # noqa: F401 - registers the tables

module = Module(name="strategy")
