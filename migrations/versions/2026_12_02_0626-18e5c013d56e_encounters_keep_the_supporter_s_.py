"""Encounters keep the supporter's profession; a distinct-supporter threshold

Revision ID: 18e5c013d56e
Revises: c25db4737a45
Create Date: 2026-12-02 06:26:38.541009+00:00

`encounter.supporter_profession` is the supporter's profession when the encounter was logged;
existing rows take their supporter's current profession (the best we know). Reports count this
column, so past months stay put when a profession changes.

On SQLite, making the column NOT NULL recreates the `encounter` table (batch mode), and with
foreign keys on (they are, on every connection) dropping the old table cascades a DELETE into
its child rows. The child tables' rows are therefore kept aside and put back.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "18e5c013d56e"
down_revision: str | Sequence[str] | None = "c25db4737a45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "supporter_profession"
FOREIGN_KEY = "encounter_supporter_profession_fkey"  # PostgreSQL's own name for it
INDEX = "ix_encounter_supporter_profession"


@contextmanager
def child_rows_kept(table: str) -> Iterator[None]:
    """On SQLite, the rows of every table referencing `table` survive its recreation."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    inspector = sa.inspect(bind)
    children = [
        name
        for name in inspector.get_table_names()
        if any(fk["referred_table"] == table for fk in inspector.get_foreign_keys(name))
    ]
    # S608: the names are the database's own table names, from its schema, not input.
    for child in children:
        op.execute(f'CREATE TEMP TABLE "kept_{child}" AS SELECT * FROM "{child}"')  # noqa: S608
    yield
    for child in children:
        op.execute(f'DELETE FROM "{child}"')  # noqa: S608
        op.execute(f'INSERT INTO "{child}" SELECT * FROM "kept_{child}"')  # noqa: S608
        op.execute(f'DROP TABLE "kept_{child}"')


def upgrade() -> None:
    with op.batch_alter_table("program_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_distinct_supporters", sa.Integer(), server_default="3", nullable=False)
        )

    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.add_column(sa.Column(COLUMN, sa.String(length=60), nullable=True))
    op.execute(
        "UPDATE encounter SET supporter_profession = "
        "(SELECT profession_code FROM supporter WHERE supporter.id = encounter.supporter_id)"
    )
    with child_rows_kept("encounter"), op.batch_alter_table("encounter") as batch_op:
        batch_op.alter_column(COLUMN, existing_type=sa.String(length=60), nullable=False)
        batch_op.create_foreign_key(FOREIGN_KEY, "profession", [COLUMN], ["code"])
        batch_op.create_index(INDEX, [COLUMN], unique=False)


def downgrade() -> None:
    with child_rows_kept("encounter"), op.batch_alter_table("encounter") as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column(COLUMN)

    with op.batch_alter_table("program_settings", schema=None) as batch_op:
        batch_op.drop_column("min_distinct_supporters")
