from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import PROGRAM_MANAGERS, Actor, require_role
from domain.changes import changes_of
from domain.codes import ApiScope
from domain.errors import Conflict, InvalidInput, NotFound
from domain.professions.models import Profession, ProfessionCreate, ProfessionUpdate


def list_professions(*, session: Session, include_inactive: bool = False) -> list[Profession]:
    """Professions are not sensitive: anyone signed in may read them (forms need them)."""
    query = select(Profession).order_by(col(Profession.name))
    if not include_inactive:
        query = query.where(col(Profession.active).is_(True))
    return list(session.exec(query))


def get_profession(*, session: Session, code: str) -> Profession:
    profession = session.get(Profession, code)
    if profession is None:
        raise NotFound(f"There is no profession with the code {code!r}.")
    return profession


def require_active_profession(session: Session, code: str, *, field: str) -> Profession:
    profession = session.get(Profession, code)
    if profession is None or not profession.active:
        raise InvalidInput(f"{code!r} is not an active profession code.", field=field)
    return profession


def create_profession(*, session: Session, actor: Actor, data: ProfessionCreate) -> Profession:
    require_role(actor, *PROGRAM_MANAGERS, to="add professions", scope=ApiScope.roster_write)
    if session.get(Profession, data.code) is not None:
        raise Conflict(f"A profession with the code {data.code!r} exists already.", field="code")
    profession = Profession(code=data.code, name=data.name)
    session.add(profession)
    session.flush()
    return profession


def update_profession(
    *, session: Session, actor: Actor, code: str, data: ProfessionUpdate
) -> Profession:
    require_role(actor, *PROGRAM_MANAGERS, to="change professions", scope=ApiScope.roster_write)
    profession = get_profession(session=session, code=code)
    changes = changes_of(data)
    for name, value in changes.items():
        setattr(profession, name, value.strip() if isinstance(value, str) else value)
    session.add(profession)
    session.flush()
    return profession


def page_professions(
    *, session: Session, limit: int, after_code: str | None, include_inactive: bool = True
) -> tuple[list[Profession], str | None]:
    """A page of professions in code order, and the code to continue after (or None)."""
    query = select(Profession).order_by(col(Profession.code)).limit(limit + 1)
    if after_code is not None:
        query = query.where(col(Profession.code) > after_code)
    if not include_inactive:
        query = query.where(col(Profession.active).is_(True))
    rows = list(session.exec(query))
    return rows[:limit], rows[limit - 1].code if len(rows) > limit else None
