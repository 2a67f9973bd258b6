"""Importing a roster from CSV: the file as a whole, each row's reasons, and applying the good
rows one savepoint each."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from domain.codes import Role, SupporterStatus
from domain.errors import InvalidInput, PermissionDenied
from domain.org_units.models import OrgUnit
from domain.supporters import roster_import
from domain.supporters.models import Supporter
from domain.supporters.roster_import import (
    MAX_BYTES,
    MAX_ROWS,
    RosterLine,
    RosterLookups,
    UnitChoice,
    check_rows,
    decode_roster_file,
    import_roster,
    parse_roster_text,
    preview_roster_import,
    resolve_unit,
)
from domain.users.models import User
from tests.factories import ADMIN, COORDINATOR, REPORT_VIEWER, SUPPORTER, make_org_unit, make_user

HEADER = "email,name,profession,org unit\n"


def units_for_tests(db: Session) -> dict[str, OrgUnit]:
    """Two schools, each with a Cardiology; Psychiatry only under Medicine."""
    medicine = make_org_unit(db, name="School of Medicine", kind="school")
    nursing = make_org_unit(db, name="School of Nursing", kind="school")
    return {
        "medicine": medicine,
        "nursing": nursing,
        "med_cardiology": make_org_unit(db, name="Cardiology", parent_id=medicine.id),
        "nursing_cardiology": make_org_unit(db, name="Cardiology", parent_id=nursing.id),
        "psychiatry": make_org_unit(db, name="Psychiatry", parent_id=medicine.id),
    }


def user_emails(db: Session) -> set[str]:
    return set(db.exec(select(User.email)))


# The file as a whole.


def test_utf8_with_and_without_bom_decodes() -> None:
    text = HEADER + "ana@h.org,Ana Núñez,nurse,\n"
    assert decode_roster_file(text.encode()) == text
    assert decode_roster_file(b"\xef\xbb\xbf" + text.encode()).startswith("email,")


def test_latin1_bytes_refuse_the_whole_file_and_say_it_is_not_utf8() -> None:
    raw = (HEADER + "ana@h.org,Ana Núñez,nurse,\n").encode("latin-1")
    with pytest.raises(InvalidInput, match="not UTF-8") as refused:
        decode_roster_file(raw)
    assert refused.value.field == "file"


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n,,,\r\n"])
def test_an_empty_file_is_refused_with_a_clear_message(raw: bytes) -> None:
    with pytest.raises(InvalidInput, match="This file is empty"):
        parse_roster_text(decode_roster_file(raw))


def test_a_header_alone_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidInput, match="only a header row"):
        parse_roster_text(HEADER + "\n , , , \n")


def test_a_header_missing_a_column_names_it() -> None:
    with pytest.raises(InvalidInput, match="lacks profession, org unit"):
        parse_roster_text("email,name\nana@h.org,Ana\n")


def test_header_names_any_case_and_order() -> None:
    lines = parse_roster_text("Org Unit,NAME,Email,Profession\nCardiology,Ana,ana@h.org,Nurse\n")
    assert lines == [RosterLine(2, "ana@h.org", "Ana", "Nurse", "Cardiology")]


def test_size_and_row_limits_hold_at_their_boundaries() -> None:
    at_limit = b"x" * MAX_BYTES
    assert decode_roster_file(at_limit)
    with pytest.raises(InvalidInput, match="larger than the limit of 256 KB"):
        decode_roster_file(b"x" * (MAX_BYTES + 1))
    with pytest.raises(InvalidInput, match="larger than the limit of 256 KB"):
        parse_roster_text(HEADER + "x" * MAX_BYTES)
    rows = "".join(f"p{n}@h.org,P {n},nurse,\n" for n in range(MAX_ROWS))
    assert len(parse_roster_text(HEADER + rows)) == 1000
    with pytest.raises(InvalidInput, match="1001 rows; the limit is 1000"):
        parse_roster_text(HEADER + rows + "one@more.org,One,nurse,\n")


def test_broken_quoting_refuses_the_file() -> None:
    with pytest.raises(InvalidInput, match="not valid CSV"):
        parse_roster_text(HEADER + 'ana@h.org,"Ana,nurse,\n')


# Rows, pure.


LOOKUPS = RosterLookups(
    professions={"nurse": "nurse", "registered nurse": "nurse", "pharmacist": "pharmacist"},
    units=(
        UnitChoice(1, "School of Medicine"),
        UnitChoice(2, "School of Medicine / Cardiology"),
        UnitChoice(3, "School of Nursing / Cardiology"),
    ),
    existing_emails=frozenset({"taken@h.org"}),
)


def checked(text: str) -> dict[int, list[str]]:
    return {row.line: row.errors for row in check_rows(parse_roster_text(HEADER + text), LOOKUPS)}


def test_units_match_by_path_or_its_last_parts_and_an_ambiguous_name_is_refused() -> None:
    assert resolve_unit("School of Medicine / Cardiology", LOOKUPS.units)[0] == LOOKUPS.units[1]
    assert resolve_unit("  school of medicine/CARDIOLOGY ", LOOKUPS.units)[0] == LOOKUPS.units[1]
    assert resolve_unit("Nursing / Cardiology", LOOKUPS.units)[1] is not None  # not a suffix
    unit, message = resolve_unit("Cardiology", LOOKUPS.units)
    assert unit is None
    assert message is not None
    assert "matches 2 units" in message
    assert resolve_unit("Oncology", LOOKUPS.units) == (None, 'There is no org unit "Oncology".')
    assert resolve_unit("", LOOKUPS.units) == (None, None)


def test_each_bad_row_is_named_with_its_reasons_and_good_rows_have_none() -> None:
    errors = checked(
        "ana@h.org,Ana,nurse,School of Medicine / Cardiology\n"  # 2 good
        "bo@h.org,Bo,Registered Nurse,\n"  # 3 good: a profession's name, no unit
        "dup@h.org,Dup One,nurse,\n"  # 4 duplicate
        "DUP@h.org,Dup Two,nurse,\n"  # 5 duplicate
        "taken@h.org,Taken,nurse,\n"  # 6 exists
        "cy@h.org,Cy,astronaut,\n"  # 7 unknown profession
        'di@h.org,"=HYPERLINK(""http://evil.example"",""x"")",nurse,\n'  # 8 formula
        "ed@h.org,Ed,nurse,Cardiology\n"  # 9 ambiguous unit
        "not-an-email,Fay,nurse,\n"  # 10 bad email
        "@gi.org,Gi,nurse,\n"  # 11 formula start in the email
        "ha@h.org,,nurse,\n"  # 12 no name
        "ix@h.org,+Ix,-nurse,@Unit\n"  # 13 three formula cells
    )
    assert errors[2] == []
    assert errors[3] == []
    assert errors[4] == ["The email dup@h.org is on line 5 too: keep one row for it."]
    assert errors[5] == ["The email DUP@h.org is on line 4 too: keep one row for it."]
    assert errors[6] == ["A user with the email taken@h.org exists already."]
    assert errors[7] == ['"astronaut" is not a profession of the program.']
    assert errors[8] == ["The name starts with '=' like a spreadsheet formula; remove it."]
    assert "matches 2 units" in errors[9][0]
    assert errors[10]
    assert "email is not valid" in errors[10][0]
    assert errors[11][0] == "The email starts with '@' like a spreadsheet formula; remove it."
    assert errors[12] == ["The name is missing."]
    assert len(errors[13]) >= 3


def test_a_row_with_a_wrong_number_of_cells_is_a_row_error() -> None:
    errors = checked("ana@h.org,Ana,nurse,,extra\nbo@h.org,Bo,nurse,\n")
    assert errors[2] == ["This row has 5 cells; the header row has 4."]
    assert errors[3] == []


# Preview and apply, with the database.


def test_preview_writes_nothing_and_apply_invites_the_good_rows(db: Session) -> None:
    units = units_for_tests(db)
    make_user(db, email="already@hospital.example.org")
    before = user_emails(db)
    text = (
        "\ufeffemail,name,profession,org unit\n"
        "new.one@hospital.example.org,New One,Nurse,School of Medicine / Cardiology\n"
        "new.two@hospital.example.org,New Two,PHARMACIST,Psychiatry\n"
        "already@hospital.example.org,Already There,nurse,\n"
        "bad@hospital.example.org,Bad Profession,astronaut,\n"
        "amb@hospital.example.org,Ambiguous,nurse,Cardiology\n"
        'evil@hospital.example.org,=HYPERLINK("http://x"),nurse,\n'
    )
    preview = preview_roster_import(session=db, actor=COORDINATOR, text=text)
    assert [row.line for row in preview.good_rows] == [2, 3]
    assert [row.line for row in preview.bad_rows] == [4, 5, 6, 7]
    assert user_emails(db) == before

    result = import_roster(session=db, actor=COORDINATOR, text=text)
    assert [item.row.line for item in result.imported] == [2, 3]
    assert result.failed == []
    assert [row.line for row in result.skipped] == [4, 5, 6, 7]
    made = {
        user.email: (supporter.profession_code, supporter.org_unit_id, supporter.status, user.roles)
        for user, supporter in db.exec(
            select(User, Supporter).join(Supporter, col(Supporter.user_id) == User.id)
        )
        if user.email.startswith("new.")
    }
    assert made == {
        "new.one@hospital.example.org": (
            "nurse",
            units["med_cardiology"].id,
            SupporterStatus.candidate,
            frozenset({Role.supporter}),
        ),
        "new.two@hospital.example.org": (
            "pharmacist",
            units["psychiatry"].id,
            SupporterStatus.candidate,
            frozenset({Role.supporter}),
        ),
    }
    assert all(item.invitation.link for item in result.imported)


def test_a_row_that_fails_at_apply_time_is_reported_and_the_others_stay(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + "late@hospital.example.org,Late,nurse,\nok@hospital.example.org,Ok,nurse,\n"
    preview = preview_roster_import(session=db, actor=COORDINATOR, text=text)
    assert len(preview.good_rows) == 2
    # Someone takes the first email between the check and the insert: the unique email decides.
    make_user(db, email="late@hospital.example.org")
    # The check does not see it (as when it commits between check and insert).
    blind = roster_import.roster_lookups
    monkeypatch.setattr(
        roster_import, "roster_lookups", lambda session, _emails: blind(session, [])
    )
    result = import_roster(session=db, actor=COORDINATOR, text=text)
    assert [(f.row.line, f.message) for f in result.failed] == [
        (2, "A user with the email late@hospital.example.org exists already.")
    ]
    assert [item.row.line for item in result.imported] == [3]
    late = db.exec(select(User).where(User.email == "late@hospital.example.org")).all()
    assert len(late) == 1
    assert late[0].display_name != "Late"


@pytest.mark.parametrize("actor", [ADMIN, SUPPORTER, REPORT_VIEWER])
def test_only_coordinators_import(db: Session, actor: object) -> None:
    with pytest.raises(PermissionDenied):
        preview_roster_import(session=db, actor=actor, text=HEADER + "a@h.org,A,nurse,\n")  # type: ignore[arg-type]
