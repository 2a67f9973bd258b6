"""One open debrief request per supporter, decided by the database

A partial unique index: asking again updates the open request (`request_debrief` serializes
askers with a lock), and this index makes any other writer that tries a second open request fail
instead of leaving two in the inbox. Closed requests are not limited.

Revision ID: e32f8a09abc6
Revises: 4d8915d28121
Create Date: 2026-12-02 12:02:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e32f8a09abc6"
down_revision: str | None = "4d8915d28121"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_debrief_request_one_open_per_supporter"
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_index(
        INDEX,
        "debrief_request",
        ["supporter_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="debrief_request")
