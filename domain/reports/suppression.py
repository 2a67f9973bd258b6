"""Small-cell suppression of one report period (DESIGN.md section 3, Reports, rules 1 to 4).

Pure: counts in, the values to hide out. No database, no settings, deterministic.

Two things must stay hidden from the audiences that get suppressed reports: a small count (1 to
k - 1: a colleague in distress could be recognised), and one person's month (a cell whose
encounters all come from fewer than `min_supporters` distinct supporters shows what those few
supporters did, say the only pharmacist supporter's 12 encounters). Both kinds of cell are
hidden first (primary suppression); the rest of this docstring applies to either.

The observer we protect against knows the period's total (another dimension's answer gives it
away), every visible cell, and this algorithm. For every hidden non-zero cell they know it is at
least 1 and at most the total. They must be left with at least two ways to fill in the hidden
cells:
- single-valued dimensions (one value per encounter): hidden cells add up to exactly what the
  visible cells leave of the total;
- multi-valued dimensions (stressor, element, support type: one or more values per encounter):
  hidden cells add up to at least what the visible cells leave of the total.
When no visible non-zero cell is left to hide and the period is still not protected (a tiny
period, say 2 encounters split 1 + 1), the whole period is hidden, zeros too: then every cell may
be anything from 0 to the total, which leaves many fits whenever there are two or more values.
In multi-valued dimensions that is the only way out ever taken: their hidden cells are solvable
only when one hidden cell faces nothing but zeros (it must equal the total) or the period has a
single encounter (every cell is 0 or 1), and neither leaves a non-zero cell to add.

A visible complement never needs the supporter check again: a cell that is visible already has
k or more encounters from `min_supporters` or more supporters. The period's total is hidden too
when its encounters come from fewer than `min_supporters` supporters (then every non-zero cell is
hidden anyway; the check makes the rule hold on its own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import NamedTuple


class PeriodCounts(NamedTuple):
    counts: Mapping[str, int]  # every possible value, zeros too, in code order
    total: int  # encounters in the period
    # Who logged each value's encounters (supporter ids); a value missing here counts as logged
    # by nobody, so a non-zero count without its supporters is hidden (fail closed).
    supporters: Mapping[str, Set[int]]


@dataclass(frozen=True)
class PeriodResult:
    suppressed: frozenset[str]
    total_suppressed: bool
    whole_period: bool = False


def suppress_period(
    period: PeriodCounts,
    *,
    k: int,
    min_supporters: int,
    single_valued: bool,
    forced: Set[str] = frozenset(),
) -> PeriodResult:
    """Which cells of one period to hide. `period.counts` lists every possible value in code
    order, which breaks ties between equal cells. `forced` values are hidden whatever their count
    (a quarter hides what any of its months hid)."""
    counts, total = period.counts, period.total
    hidden = set(forced & counts.keys()) | _primary(period, k=k, min_supporters=min_supporters)
    while not _is_protected(counts, hidden, total=total, single_valued=single_valued):
        complement = _smallest_visible_non_zero(counts, hidden)
        if complement is None:
            return PeriodResult(frozenset(counts), total_suppressed=True, whole_period=True)
        hidden.add(complement)
    # Rule 3: a total covering a hidden cell is hidden. A total is a count too (rules 1 and 4),
    # which its cells normally imply already.
    total_suppressed = (
        bool(hidden) or 1 <= total < k or (total > 0 and len(_everyone(period)) < min_supporters)
    )
    return PeriodResult(frozenset(hidden), total_suppressed=total_suppressed)


def _primary(period: PeriodCounts, *, k: int, min_supporters: int) -> set[str]:
    """Rule 1, a small count, and rule 4, a count from too few distinct supporters."""
    return {
        value
        for value, count in period.counts.items()
        if 1 <= count < k or (count > 0 and len(period.supporters.get(value, ())) < min_supporters)
    }


def _everyone(period: PeriodCounts) -> set[int]:
    # Every encounter has at least one value, so the values' supporters are the period's.
    return set().union(*period.supporters.values())


def suppress_quarter(
    months: Sequence[PeriodCounts], *, k: int, min_supporters: int, single_valued: bool
) -> PeriodResult:
    """A quarter hides every value any of its months hid, so a quarter minus its visible months
    never reveals a hidden month cell; then rules 1, 2 and 4 apply to the quarter's own counts
    and supporters. Each month is suppressed on its own counts, as it is in a monthly answer."""
    forced: set[str] = set()
    for month in months:
        result = suppress_period(
            month, k=k, min_supporters=min_supporters, single_valued=single_valued
        )
        forced |= result.suppressed
    return suppress_period(
        add_periods(months),
        k=k,
        min_supporters=min_supporters,
        single_valued=single_valued,
        forced=forced,
    )


def add_periods(periods: Sequence[PeriodCounts]) -> PeriodCounts:
    """Counts add up; supporters do not (one supporter in two months is one): they unite."""
    values = list(periods[0].counts) if periods else []
    counts = {value: sum(period.counts[value] for period in periods) for value in values}
    supporters = {
        value: frozenset().union(*(period.supporters.get(value, ()) for period in periods))
        for value in values
    }
    return PeriodCounts(counts, sum(period.total for period in periods), supporters)


def _is_protected(
    counts: Mapping[str, int], hidden: set[str], *, total: int, single_valued: bool
) -> bool:
    # A hidden zero is a forced quarter cell. It is hidden for the sake of a month, but here we
    # assume the observer knows it is zero: that can only make the check stricter.
    secret = [value for value in hidden if counts[value] > 0]
    if not secret:
        return True
    left_for_hidden = total - sum(n for value, n in counts.items() if value not in hidden)
    return has_two_solutions(
        [(1, total)] * len(secret),
        sum_at_least=left_for_hidden,
        sum_at_most=left_for_hidden if single_valued else None,
    )


def _smallest_visible_non_zero(counts: Mapping[str, int], hidden: set[str]) -> str | None:
    candidates = [value for value, count in counts.items() if count > 0 and value not in hidden]
    # `min` keeps the first of equal counts: ties go to the earlier value in code order.
    return min(candidates, key=counts.__getitem__, default=None)


def has_two_solutions(
    bounds: Sequence[tuple[int, int]], *, sum_at_least: int, sum_at_most: int | None
) -> bool:
    """Whether at least two integer vectors x with low <= x[i] <= high (per `bounds`) have a sum
    within [sum_at_least, sum_at_most] (no upper limit when None).

    Analytic, so large counts cost nothing: every sum between the smallest and the largest is
    reachable; two reachable sums give two vectors. A single reachable sum strictly inside has
    several vectors as soon as two coordinates can move (shift one unit from one to the other);
    the smallest and the largest sums each have exactly one."""
    lowest = sum(low for low, _ in bounds)
    highest = sum(high for _, high in bounds)
    reachable_low = max(sum_at_least, lowest)
    reachable_high = highest if sum_at_most is None else min(sum_at_most, highest)
    if reachable_low != reachable_high:
        return reachable_low < reachable_high
    if reachable_low in (lowest, highest):
        return False
    movable = sum(1 for low, high in bounds if high > low)
    return movable >= 2
