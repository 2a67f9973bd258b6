"""The suppression algorithm alone: no database (DESIGN.md section 3, Reports, rules 1 to 5)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.reports.suppression import (
    PeriodCounts,
    PeriodResult,
    add_periods,
    has_two_solutions,
    suppress_period,
    suppress_quarter,
)

K = 11
M = 3  # the fewest distinct supporters a shown cell comes from (rule 4)
Supporters = Mapping[str, frozenset[int]]


def crowd(counts: Mapping[str, int]) -> dict[str, frozenset[int]]:
    """Each encounter logged by a supporter of its own, so rule 4 never bites."""
    ids = itertools.count(1000)
    return {value: frozenset(next(ids) for _ in range(count)) for value, count in counts.items()}


def period(
    counts: dict[str, int], *, total: int | None = None, supporters: Supporters | None = None
) -> PeriodCounts:
    total = sum(counts.values()) if total is None else total
    return PeriodCounts(counts, total, crowd(counts) if supporters is None else supporters)


def single(
    counts: dict[str, int],
    *,
    k: int = K,
    m: int = M,
    forced: frozenset[str] = frozenset(),
    supporters: Supporters | None = None,
) -> PeriodResult:
    return suppress_period(
        period(counts, supporters=supporters),
        k=k,
        min_supporters=m,
        single_valued=True,
        forced=forced,
    )


def multi(counts: dict[str, int], *, total: int) -> PeriodResult:
    return suppress_period(period(counts, total=total), k=K, min_supporters=M, single_valued=False)


def quarter(months: list[PeriodCounts]) -> PeriodResult:
    return suppress_quarter(months, k=K, min_supporters=M, single_valued=True)


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
    january = period({"a": 2, "b": 20, "c": 15})  # hides a, and c as complement
    other_month = period({"a": 0, "b": 20, "c": 20})
    result = quarter([january, other_month, other_month])
    assert result.suppressed == {"a", "c"}  # c is 55 in the quarter, yet hidden
    assert result.total_suppressed


def test_a_wholly_suppressed_month_hides_every_cell_of_its_quarter() -> None:
    tiny = period({"a": 1, "b": 1, "c": 0})
    busy = period({"a": 30, "b": 40, "c": 0})
    result = quarter([tiny, busy, busy])
    assert result.suppressed == {"a", "b", "c"}  # c is 0 in the quarter: showing it tells tiny's c


def test_forced_cells_are_hidden_whatever_their_count() -> None:
    assert single({"a": 50, "b": 60, "c": 70}, forced=frozenset({"a"})).suppressed == {"a", "b"}


# Rule 4: distinct supporters


def test_a_large_cell_from_one_supporter_is_hidden_with_a_complement() -> None:
    # The only pharmacist supporter's month: 12 encounters, k or more, yet one person's.
    supporters = crowd({"b": 30, "c": 20}) | {"a": frozenset({7})}
    result = single({"a": 12, "b": 30, "c": 20}, supporters=supporters)
    assert result.suppressed == {"a", "c"}  # c: else a = total - 30 - 20
    assert result.total_suppressed


def test_two_distinct_supporters_are_hidden_and_three_are_shown() -> None:
    others = crowd({"b": 30, "c": 20})
    two = single({"a": 12, "b": 30, "c": 20}, supporters=others | {"a": frozenset({1, 2})})
    three = single({"a": 12, "b": 30, "c": 20}, supporters=others | {"a": frozenset({1, 2, 3})})
    assert "a" in two.suppressed
    assert three == PeriodResult(frozenset(), total_suppressed=False)


def test_the_fewest_distinct_supporters_is_a_parameter() -> None:
    supporters = crowd({"b": 30}) | {"a": frozenset({1, 2, 3})}
    assert single({"a": 12, "b": 30}, supporters=supporters, m=3).suppressed == frozenset()
    assert single({"a": 12, "b": 30}, supporters=supporters, m=4).suppressed == {"a", "b"}


def test_a_count_whose_supporters_are_unknown_is_hidden() -> None:
    result = suppress_period(
        PeriodCounts({"a": 40, "b": 0}, 40, {}), k=K, min_supporters=M, single_valued=True
    )
    assert result.whole_period


def test_a_period_from_two_supporters_hides_its_total_and_every_non_zero_cell() -> None:
    supporters = {"a": frozenset({1, 2}), "b": frozenset({1}), "c": frozenset()}
    result = single({"a": 20, "b": 15, "c": 0}, supporters=supporters)
    assert result == PeriodResult(frozenset({"a", "b"}), total_suppressed=True)


def test_a_quarter_counts_a_supporter_once_across_its_months() -> None:
    # One supporter logs 12 a's every month: 36 in the quarter, still one person's.
    def month() -> PeriodCounts:
        return period(
            {"a": 12, "b": 30, "c": 20},
            supporters=crowd({"b": 30, "c": 20}) | {"a": frozenset({7})},
        )

    months = [month(), month(), month()]
    assert add_periods(months).supporters["a"] == {7}
    assert quarter(months).suppressed >= {"a"}


def test_a_quarter_hides_a_cell_whose_months_each_had_few_supporters_only_if_still_few() -> None:
    # a comes from 2 supporters in January and 2 others in February: hidden in each month
    # (rule 4), and so hidden in the quarter too (rule 3), whatever its 4 supporters.
    others = crowd({"b": 30, "c": 20})
    january = period({"a": 12, "b": 30, "c": 20}, supporters=others | {"a": frozenset({1, 2})})
    february = period({"a": 12, "b": 30, "c": 20}, supporters=others | {"a": frozenset({3, 4})})
    march = period({"a": 0, "b": 30, "c": 20}, supporters=others)
    assert add_periods([january, february, march]).supporters["a"] == {1, 2, 3, 4}
    assert "a" in quarter([january, february, march]).suppressed


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


# Rule 5: the property test


VALUES = ("a", "b", "c", "d")
MONTHS = 3
Encounter = tuple[int, frozenset[str], int]  # month, values, supporter id


def observer_fits(
    counts: Mapping[str, int], result: PeriodResult, *, total: int, single_valued: bool
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


def check_answer(answer: PeriodCounts, result: PeriodResult, *, single_valued: bool) -> None:
    counts, total = answer.counts, answer.total
    shown = {value: count for value, count in counts.items() if value not in result.suppressed}
    assert not [count for count in shown.values() if 1 <= count < K], "a small count is shown"
    few = [value for value, count in shown.items() if count and len(answer.supporters[value]) < M]
    assert not few, f"{few} shown from fewer than {M} distinct supporters"
    if not result.total_suppressed:
        assert not 1 <= total < K, "a small total is shown"
        everyone = set().union(*answer.supporters.values())
        assert total == 0 or len(everyone) >= M, "a total from too few supporters is shown"
    if result.suppressed - {value for value, count in counts.items() if count == 0}:
        fits = observer_fits(counts, result, total=total, single_valued=single_valued)
        assert fits >= 2, f"the hidden cells of {counts} (total {total}) can be solved"


def month_counts(encounters: list[Encounter], values: Sequence[str]) -> list[PeriodCounts]:
    months = []
    for month in range(MONTHS):
        in_month = [(chosen, who) for when, chosen, who in encounters if when == month]
        counts = {value: sum(value in chosen for chosen, _ in in_month) for value in values}
        supporters = {
            value: frozenset(who for chosen, who in in_month if value in chosen) for value in values
        }
        months.append(PeriodCounts(counts, len(in_month), supporters))
    return months


def check_months_and_quarter(
    encounters: list[Encounter], value_count: int, *, single_valued: bool
) -> None:
    months = month_counts(encounters, VALUES[:value_count])
    alone = [
        suppress_period(month, k=K, min_supporters=M, single_valued=single_valued)
        for month in months
    ]
    for month, result in zip(months, alone, strict=True):
        check_answer(month, result, single_valued=single_valued)
        event(f"month {_kind(result, month)}")
        assert_zero_rows_change_nothing(month, result, single_valued=single_valued)
    whole_quarter = suppress_quarter(months, k=K, min_supporters=M, single_valued=single_valued)
    check_answer(add_periods(months), whole_quarter, single_valued=single_valued)
    event(f"quarter {_kind(whole_quarter, add_periods(months))}")
    for result in alone:
        assert result.suppressed <= whole_quarter.suppressed, "a quarter shows what a month hid"


def _kind(result: PeriodResult, answer: PeriodCounts) -> str:
    """A label for `pytest --hypothesis-show-statistics`: shows that every case gets drawn."""
    if answer.total == 0:
        return "empty"
    if result.whole_period:
        return "hidden whole"
    if any(
        answer.counts[value] >= K and len(answer.supporters[value]) < M
        for value in result.suppressed
    ):
        return "with a large cell from few supporters"
    if any(answer.counts[value] >= K for value in result.suppressed):
        return "with a complement or forced cell"
    return "with small cells only" if result.suppressed else "shown"


def assert_zero_rows_change_nothing(
    month: PeriodCounts, result: PeriodResult, *, single_valued: bool
) -> None:
    """Listing one more value that never occurs hides the same non-zero cells (profession pairs
    list only the pairs that occur in the answer's range)."""
    padded = suppress_period(
        PeriodCounts(
            {**month.counts, "unused": 0}, month.total, {**month.supporters, "unused": frozenset()}
        ),
        k=K,
        min_supporters=M,
        single_valued=single_valued,
    )
    non_zero = {value for value, count in month.counts.items() if count > 0}
    assert padded.suppressed & non_zero == result.suppressed & non_zero


# Encounters come in groups of alike ones, so that months mixing small and large cells (where
# complements are needed) are common, not one draw in a hundred. A group's encounters are
# logged in turn by one to four supporters out of six, so cells from 1, 2, 3 or more distinct
# supporters, and the same supporter in several cells and months, are all common.
month_of_encounter = st.integers(0, MONTHS - 1)
group_size = st.sampled_from([1, 1, 2, 3, 11, 12, 16])
group_supporters = st.lists(st.integers(1, 6), min_size=1, max_size=4, unique=True)


def spread(
    groups: list[tuple[int, frozenset[str], int, list[int]]],
) -> list[Encounter]:
    return [
        (month, chosen, supporters[i % len(supporters)])
        for month, chosen, size, supporters in groups
        for i in range(size)
    ]


@settings(max_examples=1500, deadline=None)
@given(
    value_count=st.integers(2, len(VALUES)),
    groups=st.lists(
        st.tuples(
            month_of_encounter, st.integers(0, len(VALUES) - 1), group_size, group_supporters
        ),
        max_size=6,
    ),
)
def test_single_valued_answers_never_show_or_reveal_a_small_count_or_a_few_supporters(
    value_count: int, groups: list[tuple[int, int, int, list[int]]]
) -> None:
    encounters = spread(
        [
            (month, frozenset({VALUES[pick % value_count]}), size, supporters)
            for month, pick, size, supporters in groups
        ]
    )
    check_months_and_quarter(encounters, value_count, single_valued=True)


@settings(max_examples=1500, deadline=None)
@given(
    value_count=st.integers(2, len(VALUES)),
    groups=st.lists(
        st.tuples(
            month_of_encounter,
            st.sets(st.integers(0, len(VALUES) - 1), min_size=1),
            group_size,
            group_supporters,
        ),
        max_size=6,
    ),
)
def test_multi_valued_answers_never_show_or_reveal_a_small_count_or_a_few_supporters(
    value_count: int, groups: list[tuple[int, set[int], int, list[int]]]
) -> None:
    encounters = spread(
        [
            (month, frozenset(VALUES[pick % value_count] for pick in chosen), size, supporters)
            for month, chosen, size, supporters in groups
        ]
    )
    check_months_and_quarter(encounters, value_count, single_valued=False)
