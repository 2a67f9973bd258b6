"""The encounter tables hold codes, dates, counts and flags only: no identifying data and no
free text, by construction. Adding a column means changing this approved list on purpose."""

from __future__ import annotations

import re

import sqlalchemy as sa

from domain.tables import metadata

APPROVED_COLUMNS = {
    "encounter": {
        "id",
        "supporter_id",
        "supporter_profession",
        "occurred_on",
        "logged_at",
        "setting",
        "initiated_by",
        "modality",
        "peer_profession_code",
        "peer_org_relation",
        "interprofessional",
        "duration_band",
        "escalation",
        "follow_up",
        "supporter_needs_debrief",
    },
    "encounter_stressor": {"encounter_id", "stressor"},
    "encounter_element": {"encounter_id", "element"},
    "encounter_support_type": {"encounter_id", "support_type"},
    "encounter_flow_step": {"encounter_id", "flow_step"},
    "encounter_resource": {"encounter_id", "resource_id"},
}
IDENTIFYING = re.compile(
    r"name|email|phone|mrn|employee|patient|ssn|birth|address|note|comment|text|description",
)


def test_encounter_tables_have_exactly_the_approved_columns() -> None:
    for table, approved in APPROVED_COLUMNS.items():
        assert set(metadata.tables[table].columns.keys()) == approved, table


def test_no_column_name_suggests_identifying_data_or_free_text() -> None:
    for table in APPROVED_COLUMNS:
        for column in metadata.tables[table].columns:
            assert not IDENTIFYING.search(column.name), f"{table}.{column.name}"


def test_every_text_column_is_a_closed_code_list_or_a_profession_code() -> None:
    """A string column could carry free text; each one must be an enumerated code with a CHECK
    constraint, or a foreign key to the profession codes."""
    for table in APPROVED_COLUMNS:
        for column in metadata.tables[table].columns:
            if isinstance(column.type, sa.Enum):
                assert column.type.create_constraint, f"{table}.{column.name} is unchecked"
            elif isinstance(column.type, sa.String):
                targets = {fk.target_fullname for fk in column.foreign_keys}
                assert targets == {"profession.code"}, f"{table}.{column.name} may hold text"
