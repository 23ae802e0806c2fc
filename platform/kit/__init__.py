"""The tenant kit: what every workspace module would otherwise copy.

* :mod:`.repository` — ``TenantRepository[M]``: get-or-404, ``get_one_or_none``,
  ``lock`` (FOR UPDATE), unique checks whose flush race gives the same field error,
  ``paginate``;
* :mod:`.unique` — ``Unique``, a unique rule stated once;
* :mod:`.search` — ``contains`` / ``escape_like``, LIKE filters matching text literally;
* :mod:`.page` — ``Page[T]`` of the JSON API, ``page_count``/``page_offset`` of pages;
* :mod:`.fields` — financial year, quarter, NUL-free text, limit/offset bounds;
* :mod:`.audit` — ``AuditTrail``, one per kind of record: created/updated/deleted;
* :mod:`.pages` — ``Renderer``, ``options``, ``is_htmx``, form errors, dependency types.
"""

from saypro.platform.kit.audit import AuditTrail, apply_changes
from saypro.platform.kit.page import Page, page_count, page_offset
from saypro.platform.kit.repository import TenantRepository
from saypro.platform.kit.search import contains, escape_like
from saypro.platform.kit.unique import Unique

__all__ = [
    "AuditTrail",
    "Page",
    "TenantRepository",
    "Unique",
    "apply_changes",
    "contains",
    "escape_like",
    "page_count",
    "page_offset",
]
