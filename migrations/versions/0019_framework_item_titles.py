"""Framework item titles hold up to 1,000 characters: the longest official SDG target
(3.b) runs to 564.

Revision ID: 0019_framework_item_titles
Revises: 0018_kpi_public
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_framework_item_titles"
down_revision: str | None = "0018_kpi_public"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        "framework_items",
        "title",
        existing_type=sa.String(length=500),
        type_=sa.String(length=1000),
        existing_nullable=False,
    )


def downgrade() -> None:
    op.alter_column(
        "framework_items",
        "title",
        existing_type=sa.String(length=1000),
        type_=sa.String(length=500),
        existing_nullable=False,
    )
