"""Resource search index: FTS5 on SQLite, a weighted tsvector on PostgreSQL

Search finds entries by their title, their keywords and their category's label (together in a
new text column `search_terms`, written by the app on every insert and update) and their
description. Each database gets its own full-text index, kept in step by the database itself:

- SQLite: an FTS5 table `resource_fts` (tokenizer `porter unicode61`: plurals stem) with
  rowid = resource id, kept by triggers on insert, update and delete of `resource`.
- PostgreSQL: a stored generated column `search_vector` (config `english`; title weight A,
  search terms B, description C) with a GIN index.

Existing entries get their search terms and are indexed. Only plain ADD COLUMN: on SQLite a
batch rebuild of `resource` would cascade-delete its audience rows.

Revision ID: accfd795243c
Revises: 97240352ec15
Create Date: 2026-12-07 18:27:47+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "accfd795243c"
down_revision: str | None = "97240352ec15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The category labels as they are today (domain.codes.LABELS), frozen here so that this
# migration writes the same text whatever later versions of the labels say.
CATEGORY_LABELS = {
    "crisis_line": "Crisis line",
    "eap": "Employee assistance program",
    "counseling": "Counseling",
    "physician_health_program": "Physician health program",
    "peer_support_line": "Peer support line",
    "wellness": "Wellness",
    "spiritual_care": "Spiritual care",
    "financial": "Financial",
    "legal": "Legal",
    "childcare": "Childcare",
    "occupational_health": "Occupational health",
    "ombuds": "Ombuds",
    "other": "Other",
}

resource = sa.table(
    "resource",
    sa.column("id", sa.Integer()),
    sa.column("category", sa.String()),
    sa.column("keywords", sa.JSON()),
    sa.column("search_terms", sa.Text()),
)

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE resource_fts USING fts5("
    "title, search_terms, description, tokenize = 'porter unicode61')",
    "INSERT INTO resource_fts (rowid, title, search_terms, description)"
    " SELECT id, title, search_terms, description FROM resource",
    """CREATE TRIGGER resource_fts_after_insert AFTER INSERT ON resource BEGIN
        INSERT INTO resource_fts (rowid, title, search_terms, description)
        VALUES (new.id, new.title, new.search_terms, new.description);
    END""",
    """CREATE TRIGGER resource_fts_after_update AFTER UPDATE OF title, search_terms, description
    ON resource BEGIN
        DELETE FROM resource_fts WHERE rowid = old.id;
        INSERT INTO resource_fts (rowid, title, search_terms, description)
        VALUES (new.id, new.title, new.search_terms, new.description);
    END""",
    """CREATE TRIGGER resource_fts_after_delete AFTER DELETE ON resource BEGIN
        DELETE FROM resource_fts WHERE rowid = old.id;
    END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER resource_fts_after_delete",
    "DROP TRIGGER resource_fts_after_update",
    "DROP TRIGGER resource_fts_after_insert",
    "DROP TABLE resource_fts",
]
POSTGRESQL_UPGRADE = [
    """ALTER TABLE resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, search_terms), 'B')
        || setweight(to_tsvector('english'::regconfig, description), 'C')
    ) STORED""",
    "CREATE INDEX ix_resource_search_vector ON resource USING gin (search_vector)",
]
POSTGRESQL_DOWNGRADE = [
    "DROP INDEX ix_resource_search_vector",
    "ALTER TABLE resource DROP COLUMN search_vector",
]


def search_terms_of(keywords: list[str] | None, category: str) -> str:
    label = CATEGORY_LABELS.get(category) or category.replace("_", " ").capitalize()
    return " ".join([*(keywords or []), label])


def upgrade() -> None:
    op.add_column(
        "resource",
        sa.Column("search_terms", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(resource.c.id, resource.c.keywords, resource.c.category))
    for resource_id, keywords, category in rows.all():
        connection.execute(
            resource.update()
            .where(resource.c.id == resource_id)
            .values(search_terms=search_terms_of(keywords, category))
        )
    statements = SQLITE_UPGRADE if connection.dialect.name == "sqlite" else POSTGRESQL_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRESQL_DOWNGRADE:
        op.execute(statement)
    op.drop_column("resource", "search_terms")
