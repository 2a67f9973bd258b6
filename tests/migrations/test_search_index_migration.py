"""The search index migration: existing entries get their search terms and are indexed, their
audience rows survive (on SQLite a table rebuild would cascade-delete them), and it goes down
and up again leaving no index behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from domain.db import make_engine
from domain.migrations import alembic_config
from domain.resources.search_index import FTS_TABLE, SEARCH_INDEX_TABLES, SEARCH_VECTOR_COLUMN
from tests.databases import fresh_database, sibling_database_url

BEFORE = "97240352ec15"
SEARCH_INDEX = "accfd795243c"


@pytest.fixture
def scratch_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    url = sibling_database_url(database_url, "search_migration")
    fresh_database(url)
    scratch = make_engine(url)
    yield scratch
    scratch.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)


def audience_rows(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT resource_id, profession_code FROM resource_audience ORDER BY 1, 2")
        )
        return [tuple(row) for row in rows]


def indexed_ids(engine: Engine, word: str) -> set[int]:
    """Entries the database's own full-text index finds for one word."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :word"
        else:
            query = (
                f"SELECT id FROM resource WHERE {SEARCH_VECTOR_COLUMN}"
                " @@ to_tsquery('english', :word)"
            )
        return set(connection.execute(sa.text(query), {"word": word}).scalars())


def search_index_names(engine: Engine) -> set[str]:
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names()) & SEARCH_INDEX_TABLES
    columns = {c["name"] for c in inspector.get_columns("resource")}
    return tables | (columns & {SEARCH_VECTOR_COLUMN, "search_terms"})


def test_existing_entries_are_indexed_and_keep_their_audiences(scratch_engine: Engine) -> None:
    migrate(scratch_engine, BEFORE)
    with scratch_engine.begin() as connection:
        eap_id = connection.execute(
            sa.text("SELECT id FROM resource WHERE category = 'eap'")
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE resource SET keywords = :words WHERE id = :id"),
            {"words": '["EAP", "insomnia"]', "id": eap_id},
        )
        connection.execute(
            sa.text(
                "INSERT INTO resource_audience (resource_id, profession_code)"
                " VALUES (:id, 'nurse'), (:id, 'pharmacist')"
            ),
            {"id": eap_id},
        )
    audiences = audience_rows(scratch_engine)
    assert len(audiences) >= 2

    migrate(scratch_engine, SEARCH_INDEX)

    assert audience_rows(scratch_engine) == audiences
    with scratch_engine.connect() as connection:
        terms = connection.execute(
            sa.text("SELECT search_terms FROM resource WHERE id = :id"), {"id": eap_id}
        ).scalar_one()
    assert terms == "EAP insomnia Employee assistance program"
    assert indexed_ids(scratch_engine, "insomnia") == {eap_id}
    assert eap_id in indexed_ids(scratch_engine, "employee")
    assert len(indexed_ids(scratch_engine, "crisis")) >= 2  # the seeded crisis lines

    migrate(scratch_engine, BEFORE, down=True)
    assert search_index_names(scratch_engine) == set()
    assert audience_rows(scratch_engine) == audiences

    migrate(scratch_engine, SEARCH_INDEX)
    assert indexed_ids(scratch_engine, "insomnia") == {eap_id}
    assert audience_rows(scratch_engine) == audiences
