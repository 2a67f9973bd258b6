"""Idempotency records are claimed before the work

The record is inserted first, without a response (the claim that makes a parallel retry wait
or replay), and completed with the response in the same transaction.

Revision ID: 1602ce0b49fb
Revises: 18e5c013d56e
Create Date: 2026-12-02 06:34:31.288817+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1602ce0b49fb"
down_revision: str | None = "18e5c013d56e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.alter_column("status_code", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("response_body", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # A claim is completed in the transaction that made it, so none is left without a
    # response; delete any such row rather than fail.
    op.execute("DELETE FROM idempotency_record WHERE status_code IS NULL OR response_body IS NULL")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.alter_column("status_code", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("response_body", existing_type=sa.Text(), nullable=False)
