"""Resource keywords: the words people search by

Abbreviations ("EAP") and symptoms ("insomnia", "sleep") that a title may not hold, a JSON list
of text per entry. Existing entries get an empty list.

Revision ID: 97240352ec15
Revises: e32f8a09abc6
Create Date: 2026-12-07 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "97240352ec15"
down_revision: str | None = "e32f8a09abc6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of the table would cascade-delete its audience rows.
    op.add_column(
        "resource",
        sa.Column("keywords", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    op.drop_column("resource", "keywords")
