"""Evidence files of an actual: checked (size, declared type and the file's own leading
bytes), stored under the municipality's attachments directory with their SHA-256, and
read back only through a route that resolves the row in the bound municipality.

The bytes are written before the transaction commits; a request that fails afterwards
leaves an unreferenced file behind, never a row without its file.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.db.unique import flush_unique
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.privacy.storage import attachments_dir
from saypro.platform.settings import get_settings
from saypro.tenants.kpis import service, workflow
from saypro.tenants.kpis.models import Evidence
from saypro.tenants.kpis.repository import IndicatorRepository
from saypro.tenants.kpis.schemas import EvidenceRead

FOLDER = "kpi-evidence"  # under <SAYPRO_DATA_DIR>/tenants/<tenant_id>/attachments/
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls, ppt)
ZIP = b"PK\x03\x04"  # Office Open XML and OpenDocument are zip archives

# Declared content type → the leading bytes such a file starts with (None: plain text).
ALLOWED: dict[str, tuple[bytes, ...] | None] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/msword": (OLE,),
    "application/vnd.ms-excel": (OLE,),
    "application/vnd.ms-powerpoint": (OLE,),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (ZIP,),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (ZIP,),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (ZIP,),
    "application/vnd.oasis.opendocument.text": (ZIP,),
    "application/vnd.oasis.opendocument.spreadsheet": (ZIP,),
    "text/csv": None,
}
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()-]+")


@dataclass(frozen=True)
class Upload:
    file_name: str
    content_type: str
    content: bytes


def _clean_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    cleaned = UNSAFE_NAME.sub("_", base).strip(". ") or "evidence"
    return cleaned[-200:]


def check_file(upload: Upload) -> str:
    """The file's content type once it passes the checks; a refused file raises."""
    limit = get_settings().evidence_max_bytes
    if not upload.content:
        raise InvalidInput("the file is empty", field="file")
    if len(upload.content) > limit:
        raise InvalidInput(
            f"the file is larger than the limit of {limit // 1024:,} KiB", field="file"
        )
    declared = upload.content_type.split(";")[0].strip().lower()
    if declared not in ALLOWED:
        raise InvalidInput(
            "only PDF, images (PNG, JPEG, GIF, WebP), Office or OpenDocument files and CSV "
            f"are accepted, not {declared or 'an unnamed type'}",
            field="file",
        )
    signatures = ALLOWED[declared]
    head = upload.content[:16]
    if signatures is None:
        try:
            upload.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("a CSV file must be UTF-8 text", field="file") from None
        if b"\x00" in upload.content:
            raise InvalidInput("a CSV file must be UTF-8 text", field="file")
    elif not any(head.startswith(s) for s in signatures) or (
        declared == "image/webp" and upload.content[8:12] != b"WEBP"
    ):
        raise InvalidInput(f"the file's content is not {declared}", field="file")
    return declared


def _path(tenant_id: uuid.UUID, stored_path: str) -> Path:
    return attachments_dir(tenant_id) / stored_path


async def upload(
    session: AsyncSession,
    reporter: workflow.Reporter,
    indicator_id: uuid.UUID,
    year: int,
    period: int,
    file: Upload | None,
) -> EvidenceRead:
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    workflow.check_reporter(indicator, reporter)
    which = workflow._period(indicator, year, period)
    await workflow._check_unlocked(session, which)
    row = await workflow._require_actual(session, indicator, which)
    workflow._check_editable(row)
    if file is None:
        raise InvalidInput("choose a file to upload", field="file")
    content_type = check_file(file)
    digest = hashlib.sha256(file.content).hexdigest()
    tenant = require_tenant(session)
    same = await session.scalar(
        select(Evidence).where(
            Evidence.tenant_id == tenant, Evidence.actual_id == row.id, Evidence.sha256 == digest
        )
    )
    if same is not None:
        raise Conflict(f"this file is already attached to this actual as {same.file_name}")
    evidence = Evidence(
        id=uuid.uuid4(),
        actual_id=row.id,
        file_name=_clean_name(file.file_name),
        content_type=content_type,
        size_bytes=len(file.content),
        sha256=digest,
        uploaded_by=service._actor_id(session),
    )
    evidence.stored_path = f"{FOLDER}/{evidence.id}"
    session.add(evidence)
    await flush_unique(
        session,
        "uq_kpi_evidence_tenant_actual_sha256",
        "this file is already attached to this actual",
    )
    target = _path(tenant, evidence.stored_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(file.content)
    partial.replace(target)
    await session.refresh(evidence)
    audit.record(
        session,
        "kpis.evidence.uploaded",
        entity_type="indicator",
        entity_id=indicator.id,
        after={
            "financial_year": year,
            "period": period,
            "evidence_id": str(evidence.id),
            "file_name": evidence.file_name,
            "content_type": content_type,
            "size_bytes": evidence.size_bytes,
            "sha256": digest,
        },
    )
    return EvidenceRead.model_validate(evidence)


async def open_download(session: AsyncSession, evidence_id: uuid.UUID) -> tuple[Evidence, Path]:
    """The evidence row of the bound municipality and its file; anything else (another
    municipality's id, a missing file) is not found."""
    tenant = require_tenant(session)
    evidence = await session.scalar(
        select(Evidence).where(Evidence.tenant_id == tenant, Evidence.id == evidence_id)
    )
    if evidence is None:
        raise NotFound()
    path = _path(tenant, evidence.stored_path)
    if not path.is_file():
        raise NotFound()
    return evidence, path
