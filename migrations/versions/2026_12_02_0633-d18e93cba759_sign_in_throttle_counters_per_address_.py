"""Sign-in throttle counters per address, account and pair

One row per (kind, key), locked while an attempt is checked, replaces one row per failure
(auth_failure). Failures recorded before the upgrade are not carried over: the throttle starts
afresh, which at worst gives a guesser one more window.

Revision ID: d18e93cba759
Revises: 1602ce0b49fb
Create Date: 2026-12-02 06:33:56.208420+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d18e93cba759"
down_revision: str | None = "1602ce0b49fb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_throttle",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    with op.batch_alter_table("auth_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_throttle_last_at"), ["last_at"], unique=False)

    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failure_ip"))
        batch_op.drop_index(batch_op.f("ix_auth_failure_at"))
        batch_op.drop_index("ix_auth_failure_account_at")
        batch_op.drop_index(batch_op.f("ix_auth_failure_account"))
    op.drop_table("auth_failure")


def downgrade() -> None:
    op.create_table(
        "auth_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_failure_account"), ["account"], unique=False)
        batch_op.create_index("ix_auth_failure_account_at", ["account", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_failure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_failure_ip"), ["ip"], unique=False)

    with op.batch_alter_table("auth_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_throttle_last_at"))
    op.drop_table("auth_throttle")
