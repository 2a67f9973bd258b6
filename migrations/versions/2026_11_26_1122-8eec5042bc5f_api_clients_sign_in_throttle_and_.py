"""API clients, sign-in throttle and idempotency records

Revision ID: 8eec5042bc5f
Revises: 31bf3620dd0a
Create Date: 2026-11-26 11:22:32.670824+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8eec5042bc5f"
down_revision: str | None = "31bf3620dd0a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_client_revoked_at"), ["revoked_at"], unique=False)

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

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "api_client_scope",
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "roster:read",
                "roster:write",
                "sessions:read",
                "sessions:write",
                "resources:read",
                "resources:write",
                "reports:read",
                "audit:read",
                name="ck_apiscope",
                native_enum=False,
                create_constraint=True,
                length=60,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["api_client_id"], ["api_client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("api_client_id", "scope"),
    )
    with op.batch_alter_table("api_client_scope", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_client_scope_api_client_id"), ["api_client_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_client_scope", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_client_scope_api_client_id"))

    op.drop_table("api_client_scope")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_created_at"))

    op.drop_table("idempotency_record")
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failure_ip"))
        batch_op.drop_index(batch_op.f("ix_auth_failure_at"))
        batch_op.drop_index("ix_auth_failure_account_at")
        batch_op.drop_index(batch_op.f("ix_auth_failure_account"))

    op.drop_table("auth_failure")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_client_revoked_at"))

    op.drop_table("api_client")
