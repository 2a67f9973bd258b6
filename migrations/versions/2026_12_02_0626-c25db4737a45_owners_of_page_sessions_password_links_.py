"""Owners of page sessions, password links and debrief requests are required

A row without its owner can never be used (a session of nobody, a link for nobody, a debrief
nobody asked for): such rows are deleted, then the columns become NOT NULL.

Revision ID: c25db4737a45
Revises: 8d50f1fd7cf3
Create Date: 2026-12-02 06:26:27.629250+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c25db4737a45"
down_revision: str | None = "8d50f1fd7cf3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER_COLUMNS = (
    ("web_session", "user_id"),
    ("password_link", "user_id"),
    ("debrief_request", "supporter_id"),
)


def upgrade() -> None:
    for table, column in OWNER_COLUMNS:
        op.execute(sa.table(table, sa.column(column)).delete().where(sa.column(column).is_(None)))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    for table, column in OWNER_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True)
