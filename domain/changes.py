"""Partial updates: what the client sent, refusing `null` where a field cannot be empty."""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel

from domain.errors import InvalidInput


def changes_of(data: SQLModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client set. A null for a field that cannot be empty is refused, so an
    update never silently ignores part of its input."""
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise InvalidInput(f"{name} cannot be empty; leave it out to keep it.", field=name)
    return changes
