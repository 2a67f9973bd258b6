"""Audit search: indexes for the actor and the action prefix, newest first

The audit log page filters by actor (exactly) and by action prefix, newest first by id. The
single-column indexes on `actor` and `action` become (actor, id) and (action, id); on
PostgreSQL the action index uses varchar_pattern_ops, so `LIKE 'prefix%'` can use it under
any collation. Plain CREATE/DROP INDEX: the audit table is never rebuilt (its triggers refuse
changes to its rows).

Revision ID: 4d8915d28121
Revises: 5ccb6ee54fb3
Create Date: 2026-12-02 09:49:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4d8915d28121"
down_revision: str | None = "5ccb6ee54fb3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_event_actor_id", "audit_event", ["actor", "id"], unique=False)
    op.create_index(
        "ix_audit_event_action_id",
        "audit_event",
        ["action", "id"],
        unique=False,
        postgresql_ops={"action": "varchar_pattern_ops"},
    )
    op.drop_index("ix_audit_event_actor", table_name="audit_event")
    op.drop_index("ix_audit_event_action", table_name="audit_event")


def downgrade() -> None:
    op.create_index("ix_audit_event_action", "audit_event", ["action"], unique=False)
    op.create_index("ix_audit_event_actor", "audit_event", ["actor"], unique=False)
    op.drop_index("ix_audit_event_action_id", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_id", table_name="audit_event")
