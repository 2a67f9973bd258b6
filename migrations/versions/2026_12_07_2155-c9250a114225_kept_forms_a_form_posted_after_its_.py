"""Kept forms: a form posted after its session ended, kept 12 hours for its person

One row per (user, form address), replaced by a newer post through the unique constraint.
Bound to the user (deleted with them), not to the ended session, which the purge deletes later.

Revision ID: c9250a114225
Revises: accfd795243c
Create Date: 2026-12-07 21:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9250a114225"
down_revision: str | None = "accfd795243c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kept_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "address", name="uq_kept_form_user_address"),
    )
    with op.batch_alter_table("kept_form", schema=None) as batch_op:
        batch_op.create_index("ix_kept_form_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kept_form", schema=None) as batch_op:
        batch_op.drop_index("ix_kept_form_expires_at")
    op.drop_table("kept_form")
