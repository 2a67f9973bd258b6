"""Alembic is the only way the schema is made: it must go up, down and up again, and agree
with the models, on SQLite and on PostgreSQL (whichever this run uses)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from domain.db import make_engine
from domain.migrations import (
    SCHEMA_COMPARISON,
    alembic_config,
    downgrade_to_base,
    is_at_head,
    upgrade_to_head,
)
from domain.resources.search_index import SEARCH_INDEX_TABLES
from domain.tables import metadata
from tests.databases import fresh_database, sibling_database_url


@pytest.fixture
def scratch_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    """An empty database of the same kind as the suite's, for migrating up and down."""
    url = sibling_database_url(database_url, "migrations")
    fresh_database(url)
    scratch = make_engine(url)
    yield scratch
    scratch.dispose()


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=SCHEMA_COMPARISON)
        return list(compare_metadata(context, metadata))


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_leaves_the_schema_the_models_describe(
    scratch_engine: Engine,
) -> None:
    upgrade_to_head(scratch_engine)
    assert is_at_head(scratch_engine)
    assert schema_differences(scratch_engine) == []

    downgrade_to_base(scratch_engine)
    assert table_names(scratch_engine) == set()

    upgrade_to_head(scratch_engine)
    assert table_names(scratch_engine) - SEARCH_INDEX_TABLES == set(metadata.tables)
    assert schema_differences(scratch_engine) == []


def test_the_suite_schema_is_at_head_and_matches_the_models(engine: Engine) -> None:
    assert is_at_head(engine)
    assert schema_differences(engine) == []


def test_upgrade_seeds_professions_settings_and_the_national_directory(engine: Engine) -> None:
    with engine.connect() as connection:
        professions = connection.execute(sa.text("SELECT code FROM profession")).scalars().all()
        k = connection.execute(sa.text("SELECT small_cell_threshold FROM program_settings"))
        titles = connection.execute(sa.text("SELECT title FROM resource")).scalars().all()
    assert len(professions) == 17
    assert {"physician", "faculty_scientist", "psychiatric_rehabilitation_practitioner"} <= set(
        professions
    )
    assert k.scalar_one() == 11
    assert {"988 Suicide & Crisis Lifeline", "Physician Support Line", "Crisis Text Line"} <= set(
        titles
    )
    assert any("Employee Assistance Program" in title for title in titles)


def test_every_foreign_key_is_indexed(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    for table in metadata.tables:
        indexed = {index["column_names"][0] for index in inspector.get_indexes(table)}
        indexed |= {unique["column_names"][0] for unique in inspector.get_unique_constraints(table)}
        primary = inspector.get_pk_constraint(table)["constrained_columns"]
        for foreign_key in inspector.get_foreign_keys(table):
            column = foreign_key["constrained_columns"][0]
            assert column in indexed or column == primary[0], f"{table}.{column} has no index"


def test_rows_without_their_owner_are_dropped_and_owners_become_required(
    scratch_engine: Engine,
) -> None:
    with scratch_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "8d50f1fd7cf3")
        connection.execute(sa.text(
            "INSERT INTO web_session (token_hash, user_id, csrf_token, created_at, last_seen_at,"
            " expires_at) VALUES ('a', NULL, 'c', :at, :at, :at)"
        ), {"at": NOW})  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO password_link (token_hash, user_id, created_at, expires_at)"
            " VALUES ('b', NULL, :at, :at)"
        ), {"at": NOW})  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO debrief_request (supporter_id, urgency, status, requested_at)"
            " VALUES (NULL, 'today', 'open', :at)"
        ), {"at": NOW})  # fmt: skip
    upgrade_to_head(scratch_engine)

    with scratch_engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table, column in OWNER_COLUMNS:
            rows = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert rows == 0, table
            nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
            assert nullable[column] is False, f"{table}.{column}"


OWNER_COLUMNS = (
    ("web_session", "user_id"),
    ("password_link", "user_id"),
    ("debrief_request", "supporter_id"),
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


# 18e5c013d56e: encounters keep the supporter's profession


SUPPORTER_PROFESSION_REVISION = "18e5c013d56e"
OLD_ROWS = """
INSERT INTO app_user (id, email, display_name, active, created_at, updated_at)
VALUES (1, 'a@example.org', 'A', :yes, '2025-01-01', '2025-01-01'),
       (2, 'b@example.org', 'B', :yes, '2025-01-01', '2025-01-01');
INSERT INTO supporter (id, user_id, profession_code, status, trained_on, max_encounters_per_month,
                       available, needs_refresher, created_at, updated_at)
VALUES (1, 1, 'pharmacist', 'active', '2024-01-01', 8, :yes, :no, '2025-01-01', '2025-01-01'),
       (2, 2, 'dentist', 'active', '2024-01-01', 8, :yes, :no, '2025-01-01', '2025-01-01');
INSERT INTO encounter (id, supporter_id, occurred_on, logged_at, setting, initiated_by, modality,
                       peer_profession_code, peer_org_relation, interprofessional, duration_band,
                       escalation, follow_up, supporter_needs_debrief)
VALUES (1, 1, '2025-01-05', '2025-01-05', 'icu', 'self_request', 'phone', 'nurse', 'unknown',
        :yes, 'under_15', 'none', 'none', :no),
       (2, 2, '2025-01-06', '2025-01-06', 'icu', 'self_request', 'phone', 'nurse', 'unknown',
        :yes, 'under_15', 'none', 'none', :no);
INSERT INTO encounter_stressor (encounter_id, stressor) VALUES (1, 'personal'), (2, 'other');
INSERT INTO encounter_element (encounter_id, element) VALUES (1, 'listening'), (2, 'listening')
"""


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)


def test_existing_encounters_get_their_supporters_profession_and_keep_their_children(
    scratch_engine: Engine,
) -> None:
    """On SQLite the migration recreates the encounter table; with foreign keys on that would
    cascade into the child rows, which the migration keeps aside and puts back."""
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision(SUPPORTER_PROFESSION_REVISION).down_revision
    assert isinstance(before, str)
    migrate(scratch_engine, before)
    with scratch_engine.begin() as connection:
        for statement in OLD_ROWS.split(";"):
            connection.execute(sa.text(statement), {"yes": True, "no": False})

    migrate(scratch_engine, SUPPORTER_PROFESSION_REVISION)
    with scratch_engine.connect() as connection:
        professions = connection.execute(
            sa.text("SELECT id, supporter_profession FROM encounter ORDER BY id")
        ).all()
        stressors = connection.execute(
            sa.text("SELECT encounter_id, stressor FROM encounter_stressor ORDER BY encounter_id")
        ).all()
        elements = connection.execute(sa.text("SELECT count(*) FROM encounter_element")).scalar()
        fewest = connection.execute(sa.text("SELECT min_distinct_supporters FROM program_settings"))
        assert fewest.scalar_one() == 3
    assert [tuple(row) for row in professions] == [(1, "pharmacist"), (2, "dentist")]
    assert [tuple(row) for row in stressors] == [(1, "personal"), (2, "other")]
    assert elements == 2

    migrate(scratch_engine, before, down=True)
    with scratch_engine.connect() as connection:
        children = connection.execute(sa.text("SELECT count(*) FROM encounter_stressor")).scalar()
    assert children == 2
