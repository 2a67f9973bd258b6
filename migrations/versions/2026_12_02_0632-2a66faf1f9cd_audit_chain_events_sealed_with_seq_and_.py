"""Audit chain: events sealed with seq and hashes; REPLACE and TRUNCATE refused

Every audit event gets its place in the chain (`seq`), the previous event's hash and its own
(domain/audit/chain.py). Events written before this migration are sealed here, in id order.

The database's refusals, replacing those of the first migration:
- INSERT: only new events, unsealed (sealing is the commit hook's job, through the one UPDATE
  allowed). On SQLite this is what refuses `INSERT OR REPLACE` over an existing event: REPLACE
  deletes the old row without firing DELETE triggers (recursive_triggers is off), so the BEFORE
  INSERT trigger must refuse it.
- UPDATE: only the sealing of an unsealed event, content unchanged, as the chain's next link
  (seq = the head's + 1, prev_hash = the head's hash).
- DELETE, and TRUNCATE on PostgreSQL: never.

Revision ID: 2a66faf1f9cd
Revises: d18e93cba759
Create Date: 2026-12-02 06:32:00.748619+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.audit.chain import GENESIS_HASH, EventContent, seal_after
from domain.columns import UTCDateTime

revision: str = "2a66faf1f9cd"
down_revision: str | None = "d18e93cba759"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "audit_event is append-only"
CONTENT = ("id", "at", "actor", "action", "object_type", "object_id", "outcome", "ip")

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("ip", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_event_seq"), ["seq"], unique=True)
    drop_triggers()
    seal_existing_events()
    if is_postgresql():
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def seal_existing_events() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(audit_event).order_by(audit_event.c.id)).all()
    contents = [
        EventContent(**{name: getattr(row, name) for name in CONTENT if name != "id"})
        for row in rows
    ]
    for row, seal in zip(rows, seal_after(None, contents), strict=True):
        bind.execute(
            audit_event.update()
            .where(audit_event.c.id == row.id)
            .values(seq=seal.seq, prev_hash=seal.prev_hash, hash=seal.hash)
        )


def drop_triggers() -> None:
    """Every trigger either migration made (the event triggers go with their table's copy)."""
    if is_postgresql():
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        return
    for name in ("no_update", "no_delete", "no_replace", "insert_unsealed"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_event_{name}")


NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_event)"
HEAD_HASH = "(SELECT hash FROM audit_event WHERE seq = NEW.seq - 1)"


def sealing_condition(same: str) -> str:
    """The one UPDATE allowed: an unsealed event gets the chain's next seal, content unchanged.
    `same` is the dialect's null-safe equality."""
    return " AND ".join(
        [
            "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL",
            *(f"NEW.{name} {same} OLD.{name}" for name in CONTENT),
            "NEW.hash IS NOT NULL",
            f"NEW.seq {same} {NEXT_SEQ}",
            f"NEW.prev_hash {same} COALESCE({HEAD_HASH}, '{GENESIS_HASH}')",
        ]
    )


UNSEALED = "NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL"


def create_sqlite_triggers() -> None:
    refusals = {
        "no_replace": (
            "INSERT",
            "EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)",
            "an event with this id exists",
        ),
        "insert_unsealed": ("INSERT", f"NOT ({UNSEALED})", "events are inserted unsealed"),
        "no_update": ("UPDATE", f"NOT ({sealing_condition('IS')})", "only sealing is allowed"),
        "no_delete": ("DELETE", "1", "events are never deleted"),
    }
    for name, (operation, when, why) in refusals.items():
        op.execute(
            f"CREATE TRIGGER audit_event_{name} BEFORE {operation} ON audit_event WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {why}'); END"
        )


def create_postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n"
        "  IF TG_OP = 'INSERT' THEN\n"
        f"    IF {UNSEALED} THEN RETURN NEW; END IF;\n"
        f"    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: events are inserted unsealed';\n"
        "  ELSIF TG_OP = 'UPDATE' THEN\n"
        f"    IF {sealing_condition('IS NOT DISTINCT FROM')} THEN RETURN NEW; END IF;\n"
        f"    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: only sealing is allowed';\n"
        "  END IF;\n"
        f"  RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: events are never deleted';\n"
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
    )


def create_previous_triggers() -> None:
    """The first migration's refusals: no UPDATE, no DELETE."""
    if is_postgresql():
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_seq"))
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    create_previous_triggers()
