"""Where a municipality's files live on disk.

Convention: ``<SAYPRO_DATA_DIR>/tenants/<tenant_id>/`` holds everything a tenant owns as
files — ``attachments/`` (uploaded evidence and documents; included in exports) and
``exports/`` (finished export archives, deleted after the retention period). Deleting a
tenant deletes this whole directory. Web and worker processes must see the same
directory (one host, or a shared volume).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from saypro.platform.settings import get_settings


def tenants_root() -> Path:
    return get_settings().data_dir / "tenants"


def tenant_dir(tenant_id: uuid.UUID) -> Path:
    # A UUID's text form is a safe single path segment.
    return tenants_root() / str(uuid.UUID(str(tenant_id)))


def attachments_dir(tenant_id: uuid.UUID) -> Path:
    return tenant_dir(tenant_id) / "attachments"


def exports_dir(tenant_id: uuid.UUID) -> Path:
    return tenant_dir(tenant_id) / "exports"


def export_file(tenant_id: uuid.UUID, export_id: uuid.UUID) -> Path:
    return exports_dir(tenant_id) / f"{uuid.UUID(str(export_id))}.zip"


def delete_tenant_files(tenant_id: uuid.UUID) -> int:
    """Delete the tenant's whole directory; returns how many files were in it (0 when
    it was already gone, so running this again is harmless)."""
    root = tenant_dir(tenant_id)
    if not root.exists():
        return 0
    count = sum(1 for path in root.rglob("*") if path.is_file() or path.is_symlink())
    shutil.rmtree(root, ignore_errors=True)
    return count
