"""Walking the org-unit tree, always within a bound.

Writes keep the tree a tree no deeper than MAX_ORG_DEPTH (see service.py). Every walk is
bounded anyway and visits each unit once, so a loop in stored data (a manual edit, a restore)
ends the walk instead of spinning a request at full CPU for ever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from domain.org_units.models import OrgUnit

# Levels from a top unit (level 1) down to the deepest unit. Real programs use a handful
# (school, department, division, unit); the bound only has to be far above that.
MAX_ORG_DEPTH = 32
# The name of the lock every change of the tree's shape takes (domain.db.lock_for).
ORG_TREE_LOCK = "org_unit.tree"

Step = Callable[[Session, Sequence[int]], Sequence[int]]


@dataclass(frozen=True)
class Walk:
    levels: int  # levels visited, the starting one included; at most MAX_ORG_DEPTH + 1
    unit_ids: frozenset[int]  # every unit visited
    looped: bool  # came back to a unit already visited: the stored tree has a loop


def walk_org_tree(session: Session, start: Sequence[int], step: Step) -> Walk:
    """Visit `start`, then `step(start)`, and so on, level by level, each unit once; stop when
    a level is empty, after MAX_ORG_DEPTH + 1 levels (one more than a tree may have, so a
    caller can tell "too deep"), or on coming back to a visited unit."""
    visited: set[int] = set()
    level, levels, looped = list(start), 0, False
    while level and levels <= MAX_ORG_DEPTH:
        visited.update(level)
        levels += 1
        following = step(session, level)
        looped = looped or any(unit_id in visited for unit_id in following)
        level = [unit_id for unit_id in following if unit_id not in visited]
    return Walk(levels=levels, unit_ids=frozenset(visited), looped=looped)


def parents(session: Session, level: Sequence[int]) -> Sequence[int]:
    """One step up. Read with a query, not the session's identity map, so a walk taken under
    the tree lock sees the last committed change, not a copy loaded before the lock."""
    query = select(OrgUnit.parent_id).where(
        col(OrgUnit.id).in_(level), col(OrgUnit.parent_id).is_not(None)
    )
    return [parent_id for parent_id in session.exec(query) if parent_id is not None]


def children(session: Session, level: Sequence[int]) -> Sequence[int]:
    """One step down."""
    query = select(OrgUnit.id).where(col(OrgUnit.parent_id).in_(level))
    return [unit_id for unit_id in session.exec(query) if unit_id is not None]


PATH_SEPARATOR = " / "


def unit_paths(units: Sequence[OrgUnit]) -> dict[int, str]:
    """Each unit's path from its top unit ("School of Medicine / Cardiology"), from rows
    already read (one query for a whole roster); bounded like every walk, so a loop in stored
    data shortens a path instead of hanging."""
    by_id = {unit.id: unit for unit in units if unit.id is not None}
    paths: dict[int, str] = {}
    for unit_id, unit in by_id.items():
        names, seen, current = [unit.name], {unit_id}, unit
        while current.parent_id is not None and len(names) <= MAX_ORG_DEPTH:
            parent = by_id.get(current.parent_id)
            if parent is None or current.parent_id in seen:
                break
            seen.add(current.parent_id)
            names.append(parent.name)
            current = parent
        paths[unit_id] = PATH_SEPARATOR.join(reversed(names))
    return paths
