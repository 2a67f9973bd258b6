"""Importing a roster from CSV: a dry-run preview with an answer for every row, then the
good rows invited one by one.

The file: UTF-8 (a byte order mark is fine), a header row naming the columns email, name,
profession and org unit (any order, any case; "org_unit" and "unit" work too), one supporter
a row. Refused as a whole, with a message that says why: anything but UTF-8, an empty file, a
header without data rows, a header missing a column, more than `MAX_BYTES` or `MAX_ROWS`.

A row is refused (and named by its line, with every reason) when:
- a cell starts like a spreadsheet formula (`=`, `+`, `-`, `@`, a tab or a carriage return):
  the file may have been made to run something in whoever opens it next;
- the email is not an email, is on another row of the file too, or belongs to a user already;
- the name is blank; the profession is neither a code nor a name of an active profession
  (any case);
- the org unit path ("School of Medicine / Cardiology", or its last parts, or a unit's name
  alone) matches no unit, or more than one; an empty org unit means none.

Rows never depend on each other: a bad row never blocks the good ones, and applying runs each
row in a savepoint of its own (`invite_supporter`), so a row that fails then (an email taken in
the meantime) is reported and the others stay. Nothing is stored between preview and apply:
the page carries the text, and applying checks it again from the start. Rows are applied in
email order, so imports running at once wait for each other without a deadlock.

Parsing and checking are pure functions (`decode_roster_file`, `parse_roster_text`,
`check_rows`); `preview_roster_import` and `import_roster` read what they need and write.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session, col, select

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.errors import DomainError, InvalidInput
from domain.org_units.models import OrgUnit
from domain.org_units.tree import unit_paths
from domain.professions.models import Profession
from domain.schemas import has_control_characters
from domain.supporters.invitations import INVITERS, invite_supporter
from domain.supporters.models import SupporterInvite
from domain.users.invitations import Invitation
from domain.users.models import User

MAX_BYTES = 256 * 1024
MAX_ROWS = 1000
FILE_FIELD = "file"
COLUMNS = ("email", "name", "profession", "org_unit")
COLUMN_TITLES = {
    "email": "email",
    "name": "name",
    "profession": "profession",
    "org_unit": "org unit",
}
HEADER_NAMES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "name": "name",
    "profession": "profession",
    "org unit": "org_unit",
    "org_unit": "org_unit",
    "org-unit": "org_unit",
    "orgunit": "org_unit",
    "unit": "org_unit",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def refuse_file(message: str) -> InvalidInput:
    return InvalidInput(message, field=FILE_FIELD)


def decode_roster_file(raw: bytes) -> str:
    """The file's text, or a refusal of the whole file that says why."""
    _refuse_too_large(len(raw))
    if not raw.strip():
        raise refuse_file("This file is empty: it needs a header row and one row per supporter.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse_file(
            "This file is not UTF-8 text, so nothing was read from it. Save it as "
            '"CSV UTF-8" (in Excel: Save As, then "CSV UTF-8 (Comma delimited)") and try again.'
        ) from error


def _refuse_too_large(size: int) -> None:
    if size > MAX_BYTES:
        raise refuse_file(
            f"This file is larger than the limit of {MAX_BYTES // 1024} KB. "
            "Split it into smaller files."
        )


@dataclass(frozen=True)
class RosterLine:
    """One data row as written: its line in the file and its four cells (stripped)."""

    line: int
    email: str
    name: str
    profession: str
    org_unit: str
    cell_count_error: str | None = None


def _header_columns(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        name = HEADER_NAMES.get(" ".join(title.strip().lower().split()))
        if name is None:
            continue
        if name in positions:
            raise refuse_file(f'The header row names the column "{COLUMN_TITLES[name]}" twice.')
        positions[name] = index
    missing = [COLUMN_TITLES[name] for name in COLUMNS if name not in positions]
    if missing:
        raise refuse_file(
            "The first row must name the columns email, name, profession and org unit; "
            f"it lacks {', '.join(missing)}."
        )
    return positions


def parse_roster_text(text: str) -> list[RosterLine]:
    """The data rows of the file's text (the header row first); blank rows are skipped."""
    text = text.removeprefix(BOM)
    _refuse_too_large(len(text.encode()))  # text carried back by a page is held to it too
    if "\x00" in text:
        raise refuse_file("This file holds NUL characters: it is not a CSV text file.")
    try:
        records = [
            (reader.line_num, row)
            for reader in [csv.reader(io.StringIO(text, newline=""), strict=True)]
            for row in reader
        ]
    except csv.Error as error:
        raise refuse_file(f"This file is not valid CSV ({error}).") from error
    records = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise refuse_file("This file is empty: it needs a header row and one row per supporter.")
    (_, header), data = records[0], records[1:]
    positions = _header_columns(header)
    if not data:
        raise refuse_file("This file has only a header row: add one row per supporter below it.")
    if len(data) > MAX_ROWS:
        raise refuse_file(
            f"This file has {len(data)} rows; the limit is {MAX_ROWS}. Split it into smaller files."
        )
    lines = []
    for line, row in data:
        cells = {
            name: row[index].strip() if index < len(row) else ""
            for name, index in positions.items()
        }
        count_error = None
        if len(row) != len(header):
            count_error = f"This row has {len(row)} cells; the header row has {len(header)}."
        lines.append(RosterLine(line=line, cell_count_error=count_error, **cells))
    return lines


# Checking rows against the program's professions, units and users.


@dataclass(frozen=True)
class UnitChoice:
    id: int
    path: str  # "School of Medicine / Cardiology"

    @property
    def parts(self) -> tuple[str, ...]:
        return path_parts(self.path)


def path_parts(path: str) -> tuple[str, ...]:
    """A path's unit names, compared without case and extra spaces."""
    return tuple(" ".join(part.lower().split()) for part in path.split("/"))


@dataclass(frozen=True)
class RosterLookups:
    professions: dict[str, str]  # a code or a name, lower case -> the code
    units: tuple[UnitChoice, ...]
    existing_emails: frozenset[str]


@dataclass
class CheckedRow:
    cells: RosterLine
    invite: SupporterInvite | None = None
    errors: list[str] = field(default_factory=list)
    org_unit_path: str = ""

    @property
    def line(self) -> int:
        return self.cells.line

    @property
    def good(self) -> bool:
        return not self.errors and self.invite is not None


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def resolve_unit(path: str, units: Sequence[UnitChoice]) -> tuple[UnitChoice | None, str | None]:
    """The unit a path names (its full path or its last parts), or the reason it names none."""
    if not path:
        return None, None
    wanted = path_parts(path)
    if any(not part for part in wanted):
        return None, f'The org unit "{path}" has an empty part between its "/" signs.'
    matches = [unit for unit in units if unit.parts[-len(wanted) :] == wanted]
    if not matches:
        return None, f'There is no org unit "{path}".'
    if len(matches) > 1:
        named = "; ".join(sorted(unit.path for unit in matches)[:5])
        return None, (
            f'The org unit "{path}" matches {len(matches)} units ({named}): '
            "give the path from the top unit."
        )
    return matches[0], None


def _schema_messages(error: ValidationError) -> list[str]:
    titles = {"email": "email", "display_name": "name", "profession_code": "profession"}
    messages = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        text = str(problem["msg"]).removeprefix("Value error, ")
        messages.append(f"The {titles.get(name, name)} is not valid: {text}.")
    return messages


def check_rows(lines: Sequence[RosterLine], lookups: RosterLookups) -> list[CheckedRow]:
    """Every row with its reasons to refuse it (none for a good row) and, when good, the
    invitation it makes."""
    lines_of_email: dict[str, list[int]] = defaultdict(list)
    for row in lines:
        lines_of_email[row.email.lower()].append(row.line)
    checked = []
    for row in lines:
        result = CheckedRow(cells=row)
        errors = result.errors
        if row.cell_count_error:
            errors.append(row.cell_count_error)
        for name in COLUMNS:
            value = getattr(row, name)
            if looks_like_formula(value):
                errors.append(
                    f"The {COLUMN_TITLES[name]} starts with {value[:1]!r} like a spreadsheet "
                    "formula; remove it."
                )
            elif has_control_characters(value):
                errors.append(f"The {COLUMN_TITLES[name]} holds control characters; remove them.")
        email = row.email.lower()
        if not row.email:
            errors.append("The email is missing.")
        elif len(lines_of_email[email]) > 1:
            others = ", ".join(str(n) for n in lines_of_email[email] if n != row.line)
            errors.append(f"The email {row.email} is on line {others} too: keep one row for it.")
        elif email in lookups.existing_emails:
            errors.append(f"A user with the email {row.email} exists already.")
        if not row.name:
            errors.append("The name is missing.")
        profession = lookups.professions.get(" ".join(row.profession.lower().split()))
        if not row.profession:
            errors.append("The profession is missing.")
        elif profession is None:
            errors.append(f'"{row.profession}" is not a profession of the program.')
        unit, unit_error = resolve_unit(row.org_unit, lookups.units)
        if unit_error:
            errors.append(unit_error)
        if not errors:
            try:
                result.invite = SupporterInvite(
                    email=row.email,
                    display_name=row.name,
                    profession_code=profession or "",
                    org_unit_id=unit.id if unit else None,
                )
            except ValidationError as error:
                errors.extend(_schema_messages(error))
            result.org_unit_path = unit.path if unit else ""
        checked.append(result)
    return checked


# Reading the program's side, previewing and applying.


def roster_lookups(session: Session, emails: Sequence[str]) -> RosterLookups:
    professions: dict[str, str] = {}
    for profession in session.exec(select(Profession).where(col(Profession.active).is_(True))):
        professions[profession.code.lower()] = profession.code
        professions[" ".join(profession.name.lower().split())] = profession.code
    paths = unit_paths(list(session.exec(select(OrgUnit))))
    wanted = sorted({email.lower() for email in emails if email})
    existing = (
        set(session.exec(select(User.email).where(col(User.email).in_(wanted))))
        if wanted
        else set()
    )
    return RosterLookups(
        professions=professions,
        units=tuple(UnitChoice(id=unit_id, path=path) for unit_id, path in paths.items()),
        existing_emails=frozenset(email.lower() for email in existing),
    )


@dataclass(frozen=True)
class RosterPreview:
    rows: list[CheckedRow]

    @property
    def good_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.good]

    @property
    def bad_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if not row.good]


def preview_roster_import(*, session: Session, actor: Actor, text: str) -> RosterPreview:
    """The dry run: every row checked, nothing written."""
    require_role(actor, *INVITERS, to="import a roster")
    lines = parse_roster_text(text)
    return RosterPreview(rows=check_rows(lines, roster_lookups(session, [r.email for r in lines])))


@dataclass(frozen=True)
class ImportedRow:
    row: CheckedRow
    invitation: Invitation


@dataclass(frozen=True)
class FailedRow:
    row: CheckedRow
    message: str


@dataclass(frozen=True)
class RosterImport:
    imported: list[ImportedRow]
    failed: list[FailedRow]  # refused at apply time (checked good, then taken meanwhile)
    skipped: list[CheckedRow]  # bad in the check, never tried


def import_roster(*, session: Session, actor: Actor, text: str) -> RosterImport:
    """Check the text again from the start, then invite each good row in its own savepoint."""
    preview = preview_roster_import(session=session, actor=actor, text=text)
    imported: list[ImportedRow] = []
    failed: list[FailedRow] = []
    # In email order: two imports at once then wait for each other's emails in the same
    # order, never in a cycle (PostgreSQL would end one of them as a deadlock).
    for row in sorted(preview.good_rows, key=lambda good: good.invite.email if good.invite else ""):
        assert row.invite is not None
        try:
            invitation = invite_supporter(session=session, actor=actor, data=row.invite)
        except DomainError as error:
            failed.append(FailedRow(row=row, message=error.message))
        else:
            imported.append(ImportedRow(row=row, invitation=invitation))
    record_audit_event(
        session=session, actor=actor, action=AuditAction.supporter_import, object_type="supporter"
    )
    return RosterImport(
        imported=sorted(imported, key=lambda item: item.row.line),
        failed=sorted(failed, key=lambda item: item.row.line),
        skipped=preview.bad_rows,
    )
