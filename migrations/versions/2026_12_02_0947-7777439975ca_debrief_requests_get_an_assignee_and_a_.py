"""Debrief requests get an assignee (the trainer who will reach out) and who closed them

Revision ID: 7777439975ca
Revises: 307ab2924fd9
Create Date: 2026-12-02 09:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7777439975ca"
down_revision: str | None = "307ab2924fd9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_COLUMNS = ("assigned_to_user_id", "closed_by_user_id")


def upgrade() -> None:
    with op.batch_alter_table("debrief_request", schema=None) as batch_op:
        for column in USER_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                f"fk_debrief_request_{column}_app_user",
                "app_user",
                [column],
                ["id"],
                ondelete="SET NULL",
            )
            batch_op.create_index(batch_op.f(f"ix_debrief_request_{column}"), [column])
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debrief_request", schema=None) as batch_op:
        batch_op.drop_column("assigned_at")
        for column in reversed(USER_COLUMNS):
            batch_op.drop_index(batch_op.f(f"ix_debrief_request_{column}"))
            batch_op.drop_constraint(f"fk_debrief_request_{column}_app_user", type_="foreignkey")
            batch_op.drop_column(column)
