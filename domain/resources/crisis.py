"""The crisis contacts every page shows, also when the database cannot be read.

Pages read them from the directory (`service.crisis_resources`); each successful read is kept
here for the whole process, so a page answered while the database is busy or away still shows
the list this process read last. A process that has read none yet shows the national three,
the same entries the first migration seeds into the directory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock
from typing import Protocol


@dataclass(frozen=True)
class CrisisContact:
    """What the crisis list needs of a resource: who, and the numbers to call or text."""

    title: str
    phone: str | None = None
    text_number: str | None = None


class HasCrisisNumbers(Protocol):
    """A resource row, or a contact kept from one."""

    @property
    def title(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def text_number(self) -> str | None: ...


NATIONAL_CRISIS_CONTACTS = (
    CrisisContact("988 Suicide & Crisis Lifeline", phone="988", text_number="988"),
    CrisisContact("Physician Support Line", phone="1-888-409-0141"),
    CrisisContact("Crisis Text Line", text_number="741741"),
)


class _LastRead:
    """The list the process read last; replaced whole, so readers never see half a list."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._contacts: tuple[CrisisContact, ...] = ()

    def keep(self, contacts: tuple[CrisisContact, ...]) -> None:
        with self._lock:
            self._contacts = contacts

    def get(self) -> tuple[CrisisContact, ...]:
        with self._lock:
            return self._contacts


_last_read = _LastRead()


def remember_crisis_contacts(resources: Iterable[HasCrisisNumbers]) -> None:
    """Keep the list just read from the database."""
    _last_read.keep(
        tuple(CrisisContact(r.title, phone=r.phone, text_number=r.text_number) for r in resources)
    )


def crisis_contacts_without_database() -> tuple[CrisisContact, ...]:
    """The list read last; an empty one (nothing published) gives way to the national three,
    since a page shown while the database is away must never leave a person without a number."""
    return _last_read.get() or NATIONAL_CRISIS_CONTACTS
