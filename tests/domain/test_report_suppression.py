"""The small-cell suppression algorithm alone: no database (DESIGN.md section 3, Reports)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.reports.suppression import (
    PeriodCounts,
    PeriodResult,
    has_two_solutions,
    suppress_period,
    suppress_quarter,
)

K = 11


def single(
    counts: dict[str, int], *, k: int = K, forced: frozenset[str] = frozenset()
) -> PeriodResult:
    return suppress_period(
        counts, k=k, total=sum(counts.values()), single_valued=True, forced=forced
    )


def multi(counts: dict[str, int], *, total: int) -> PeriodResult:
    return suppress_period(counts, k=K, total=total, single_valued=False)


# Rule 1: primary suppression


def test_a_count_from_1_to_k_minus_1_is_hidden_and_zero_is_shown() -> None:
    result = single({"a": 0, "b": 1, "c": 10, "d": 11, "e": 40})
    assert {"b", "c"} <= result.suppressed
    assert "a" not in result.suppressed


def test_a_period_without_small_cells_is_shown_with_its_total() -> None:
    result = single({"a": 0, "b": 11, "c": 25})
    assert result == PeriodResult(frozenset(), total_suppressed=False)


def test_the_threshold_is_a_parameter() -> None:
    assert single({"a": 3, "b": 4}, k=3).suppressed == frozenset()
    assert single({"a": 3, "b": 4}, k=4).suppressed == {"a", "b"}


# Rule 2: complementary suppression, single-valued


def test_a_lone_hidden_cell_takes_the_smallest_visible_cell_with_it() -> None:
    result = single({"a": 30, "b": 4, "c": 12, "d": 0, "e": 20})
    assert result.suppressed == {"b", "c"}
    assert result.total_suppressed
    assert not result.whole_period


def test_ties_between_complements_go_to_the_earlier_value_in_code_order() -> None:
    assert single({"z": 12, "a": 12, "m": 3}).suppressed == {"z", "m"}
    assert single({"a": 12, "z": 12, "m": 3}).suppressed == {"a", "m"}


def test_hidden_cells_that_could_only_be_ones_take_a_complement() -> None:
    # Total 34, visible 15 + 16: the three hidden cells add up to 3, so each is 1.
    result = single({"a": 1, "b": 1, "c": 1, "d": 15, "e": 16})
    assert result.suppressed == {"a", "b", "c", "d"}


def test_two_hidden_cells_with_room_to_vary_need_no_complement() -> None:
    assert single({"a": 2, "b": 3, "c": 40}).suppressed == {"a", "b"}


def test_a_tiny_period_split_one_and_one_is_suppressed_whole() -> None:
    result = single({"a": 1, "b": 1, "c": 0})
    assert result == PeriodResult(
        frozenset({"a", "b", "c"}), total_suppressed=True, whole_period=True
    )


def test_a_period_whose_encounters_all_share_one_small_value_is_suppressed_whole() -> None:
    result = single({"a": 0, "b": 5, "c": 0})
    assert result.whole_period
    assert result.suppressed == {"a", "b", "c"}


# Rule 2: complementary suppression, multi-valued (each cell <= total, cells add up to >= total)


def test_multi_valued_lone_hidden_cell_is_safe_when_it_may_be_anything_up_to_the_total() -> None:
    # 30 encounters; `a` may be 1 to 30 whatever the visible cells say.
    assert multi({"a": 5, "b": 25, "c": 20}, total=30).suppressed == {"a"}


def test_multi_valued_lone_hidden_cell_that_must_equal_the_total_is_suppressed_whole() -> None:
    assert multi({"a": 5, "b": 0, "c": 0}, total=5).whole_period


def test_multi_valued_single_encounter_with_two_values_is_suppressed_whole() -> None:
    # One encounter: both hidden cells can only be 1.
    assert multi({"a": 1, "b": 1, "c": 0}, total=1).whole_period


def test_multi_valued_small_cells_with_room_to_vary_need_no_complement() -> None:
    assert multi({"a": 3, "b": 4, "c": 12}, total=15).suppressed == {"a", "b"}


# Rule 3: quarters and totals


def test_a_quarter_hides_every_value_its_months_hid() -> None:
    january = PeriodCounts({"a": 2, "b": 20, "c": 15}, 37)  # hides a, and c as complement
    other_month = PeriodCounts({"a": 0, "b": 20, "c": 20}, 40)
    result = suppress_quarter([january, other_month, other_month], k=K, single_valued=True)
    assert result.suppressed == {"a", "c"}  # c is 55 in the quarter, yet hidden
    assert result.total_suppressed


def test_a_wholly_suppressed_month_hides_every_cell_of_its_quarter() -> None:
    tiny = PeriodCounts({"a": 1, "b": 1, "c": 0}, 2)
    busy = PeriodCounts({"a": 30, "b": 40, "c": 0}, 70)
    result = suppress_quarter([tiny, busy, busy], k=K, single_valued=True)
    assert result.suppressed == {"a", "b", "c"}  # c is 0 in the quarter: showing it tells tiny's c


def test_forced_cells_are_hidden_whatever_their_count() -> None:
    assert single({"a": 50, "b": 60, "c": 70}, forced=frozenset({"a"})).suppressed == {"a", "b"}


# The analytic solution count, against brute force


def brute_force_solutions(
    bounds: Sequence[tuple[int, int]], sum_at_least: int, sum_at_most: int | None
) -> int:
    ranges = [range(low, high + 1) for low, high in bounds]
    return sum(
        1
        for vector in itertools.product(*ranges)
        if sum(vector) >= sum_at_least and (sum_at_most is None or sum(vector) <= sum_at_most)
    )


small_bounds = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(sorted).map(tuple), min_size=1, max_size=4
)


@settings(max_examples=500, deadline=None)
@given(bounds=small_bounds, sum_at_least=st.integers(-2, 14), width=st.none() | st.integers(0, 4))
def test_has_two_solutions_agrees_with_brute_force(
    bounds: list[tuple[int, int]], sum_at_least: int, width: int | None
) -> None:
    sum_at_most = None if width is None else sum_at_least + width
    expected = brute_force_solutions(bounds, sum_at_least, sum_at_most) >= 2
    assert has_two_solutions(bounds, sum_at_least=sum_at_least, sum_at_most=sum_at_most) == expected


# Rule 4: the property test


VALUES = ("a", "b", "c", "d")
MONTHS = 3


def observer_fits(
    counts: dict[str, int], result: PeriodResult, *, total: int, single_valued: bool
) -> int:
    """How many fillings of the hidden cells (up to 2) an observer who knows the total and every
    visible cell finds. A hidden cell is 1..total, or 0..total in a wholly hidden period; a
    hidden zero in a partly hidden period (a quarter cell forced by a month) counts as known."""
    hidden = [value for value in counts if value in result.suppressed]
    visible_sum = sum(count for value, count in counts.items() if value not in result.suppressed)
    ranges = [_observer_range(counts[value], result, total) for value in hidden]
    found = 0
    for head in itertools.product(*ranges[:-1]):
        rest = total - visible_sum - sum(head)  # what the last hidden cell must (at least) make
        if single_valued:
            found += rest in ranges[-1]
        else:
            found += sum(1 for last in ranges[-1] if last >= rest)
        if found >= 2:
            break
    return found


def _observer_range(count: int, result: PeriodResult, total: int) -> range:
    if result.whole_period:
        return range(total + 1)
    return range(1, total + 1) if count > 0 else range(1)


def check_answer(
    counts: dict[str, int], result: PeriodResult, *, total: int, single_valued: bool
) -> None:
    shown = [count for value, count in counts.items() if value not in result.suppressed]
    if not result.total_suppressed:
        shown.append(total)
    assert not [count for count in shown if 1 <= count < K], "a small count is shown"
    if result.suppressed - {value for value, count in counts.items() if count == 0}:
        fits = observer_fits(counts, result, total=total, single_valued=single_valued)
        assert fits >= 2, f"the hidden cells of {counts} (total {total}) can be solved"


def month_counts(
    encounters: list[tuple[int, frozenset[str]]], values: Sequence[str]
) -> list[PeriodCounts]:
    months = []
    for month in range(MONTHS):
        in_month = [chosen for when, chosen in encounters if when == month]
        counts = {value: sum(value in chosen for chosen in in_month) for value in values}
        months.append(PeriodCounts(counts, len(in_month)))
    return months


def check_months_and_quarter(
    encounters: list[tuple[int, frozenset[str]]], value_count: int, *, single_valued: bool
) -> None:
    values = VALUES[:value_count]
    months = month_counts(encounters, values)
    for month in months:
        result = suppress_period(month.counts, k=K, total=month.total, single_valued=single_valued)
        check_answer(dict(month.counts), result, total=month.total, single_valued=single_valued)
        event(f"month {_kind(result, month.counts)}")
        assert_zero_rows_change_nothing(month, result, single_valued=single_valued)
    quarter = suppress_quarter(months, k=K, single_valued=single_valued)
    quarter_counts = {value: sum(month.counts[value] for month in months) for value in values}
    total = sum(month.total for month in months)
    check_answer(quarter_counts, quarter, total=total, single_valued=single_valued)
    event(f"quarter {_kind(quarter, quarter_counts)}")
    for month in months:
        alone = suppress_period(month.counts, k=K, total=month.total, single_valued=single_valued)
        assert alone.suppressed <= quarter.suppressed, "a quarter shows a value its month hid"


def _kind(result: PeriodResult, counts: Mapping[str, int]) -> str:
    """A label for `pytest --hypothesis-show-statistics`: shows that every case gets drawn."""
    if result.whole_period:
        return "hidden whole"
    if any(counts[value] >= K for value in result.suppressed):
        return "with a complement or forced cell"
    return "with small cells only" if result.suppressed else "shown"


def assert_zero_rows_change_nothing(
    month: PeriodCounts, result: PeriodResult, *, single_valued: bool
) -> None:
    """Listing one more value that never occurs hides the same non-zero cells (profession pairs
    list only the pairs that occur in the answer's range)."""
    padded = suppress_period(
        {**month.counts, "unused": 0}, k=K, total=month.total, single_valued=single_valued
    )
    non_zero = {value for value, count in month.counts.items() if count > 0}
    assert padded.suppressed & non_zero == result.suppressed & non_zero


# Encounters come in groups of alike ones, so that months mixing small and large cells (where
# complements are needed) are common, not one draw in a hundred.
month_of_encounter = st.integers(0, MONTHS - 1)
group_size = st.sampled_from([1, 1, 2, 3, 11, 12, 16])


@settings(max_examples=1000, deadline=None)
@given(
    value_count=st.integers(2, len(VALUES)),
    groups=st.lists(
        st.tuples(month_of_encounter, st.integers(0, len(VALUES) - 1), group_size), max_size=6
    ),
)
def test_single_valued_answers_never_show_or_reveal_a_small_count(
    value_count: int, groups: list[tuple[int, int, int]]
) -> None:
    encounters = [
        (month, frozenset({VALUES[pick % value_count]}))
        for month, pick, size in groups
        for _ in range(size)
    ]
    check_months_and_quarter(encounters, value_count, single_valued=True)


@settings(max_examples=1000, deadline=None)
@given(
    value_count=st.integers(2, len(VALUES)),
    groups=st.lists(
        st.tuples(
            month_of_encounter, st.sets(st.integers(0, len(VALUES) - 1), min_size=1), group_size
        ),
        max_size=6,
    ),
)
def test_multi_valued_answers_never_show_or_reveal_a_small_count(
    value_count: int, groups: list[tuple[int, set[int], int]]
) -> None:
    encounters = [
        (month, frozenset(VALUES[pick % value_count] for pick in chosen))
        for month, chosen, size in groups
        for _ in range(size)
    ]
    check_months_and_quarter(encounters, value_count, single_valued=False)
