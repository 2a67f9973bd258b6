"""The directory's search, on whichever database this run uses (SQLite FTS5 or PostgreSQL
tsvector): what each query finds, the order (crisis pinned, rank tier, id), the cursor, the
filters, text that looks like full-text syntax, and what to try when nothing is found.

The entries are made here with words no seeded entry holds, so the seeded directory only ever
adds entries the assertions leave aside."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import ResourceCategory
from domain.errors import InvalidInput, PermissionDenied
from domain.pagination import PageRequest
from domain.resources.models import Resource, ResourceAudience, ResourceUpdate, search_terms_of
from domain.resources.search import (
    MAX_QUERY_WORDS,
    MAX_WORD_LENGTH,
    PINNED_CATEGORIES,
    STOP_WORDS,
    RankTier,
    SearchKey,
    category_resembling,
    find_resources,
    nothing_found_message,
    parse_search_key,
    query_words,
    shorter_word,
)
from domain.resources.service import (
    ResourceFilters,
    delete_resource,
    list_resources,
    update_resource,
)
from tests.factories import ANONYMOUS, RESOURCE_EDITOR, SUPPORTER, make_resource

Category = ResourceCategory


def found(
    db: Session, text: str | None = None, actor: Actor | None = None, **filters: Any
) -> list[int]:
    """Ids of every entry found, in order, one big page."""
    result = find_resources(
        session=db, actor=actor, filters=ResourceFilters(text=text, **filters), limit=200
    )
    assert result.next_after is None
    return [r.id for r in result.items if r.id is not None]


def walked(db: Session, text: str | None, limit: int, **filters: Any) -> list[int]:
    """Ids of every entry found, following `next_after` page after page."""
    ids: list[int] = []
    after: str | None = None
    for _ in range(1000):
        page = find_resources(
            session=db,
            actor=None,
            filters=ResourceFilters(text=text, **filters),
            limit=limit,
            after=after,
        )
        assert len(page.items) <= limit
        ids += [r.id for r in page.items if r.id is not None]
        if page.next_after is None:
            return ids
        after = page.next_after
    raise AssertionError("the cursor does not advance")


def among(ids: list[int], *entries: Resource) -> list[int]:
    """`ids` restricted to these entries, in the order found."""
    mine = {e.id for e in entries}
    return [i for i in ids if i in mine]


# The search table.


@pytest.fixture
def directory(db: Session) -> dict[str, Resource]:
    return {
        "counseling": make_resource(
            db, title="Zorvath Counseling Service", category=Category.counseling
        ),
        "counselors": make_resource(
            db, title="Talk it over", description="Trained counselors listen, day or night."
        ),
        "sleep": make_resource(
            db, title="Rest Well Clinic", keywords=["sleep", "insomnia"], description="Shifts."
        ),
        "eap": make_resource(
            db, title="Staff Support Office", category=Category.eap, keywords=["EAP"]
        ),
        "crisis": make_resource(
            db, title="Zorvath Regional Crisis Line", category=Category.crisis_line
        ),
        "legal": make_resource(
            db, title="Contracts and wills clinic", category=Category.legal, description="Free."
        ),
        "wellness": make_resource(db, title="Yoga at noon", description="Stretch and breathe."),
        "street": make_resource(db, title="Beratung an der Straße", category=Category.other),
    }


SEARCH_TABLE = [
    ("counsel", {"counseling", "counselors"}),
    ("Counseling", {"counseling", "counselors"}),
    ("counselors", {"counselors"}),
    ("sleep", {"sleep"}),
    ("insomnia", {"sleep"}),
    ("INSOMN", {"sleep"}),
    ("EAP", {"eap"}),
    ("eap", {"eap"}),
    ("Employee assistance", {"eap"}),
    ("employee", {"eap"}),
    ("line crisis", {"crisis"}),
    ("crisis line regional", {"crisis"}),
    ("legal", {"legal"}),
    ("straße", {"street"}),
    ("STRASSE", set()),  # neither index holds "strasse": words are lowercased, not casefolded
    ("Straße beratung", {"street"}),
    ("wills legal", {"legal"}),
    ("breathing", {"wellness"}),
    ("zorvath", {"counseling", "crisis"}),
    ("zorvath counseling", {"counseling"}),
    ("sleep legal", set()),
    ("quixotic", set()),
]


@pytest.mark.parametrize(("text", "expected"), SEARCH_TABLE)
def test_the_search_table(
    db: Session, directory: dict[str, Resource], text: str, expected: set[str]
) -> None:
    ids = found(db, text)

    assert {name for name, entry in directory.items() if entry.id in ids} == expected


def test_a_blank_or_wordless_query_is_no_text_filter(
    db: Session, directory: dict[str, Resource]
) -> None:
    everything = found(db)

    assert set(among(everything, *directory.values())) == {e.id for e in directory.values()}
    for text in ("", "   ", "!!!", '"*"', "—"):
        assert found(db, text) == everything


def test_a_title_match_ranks_before_a_keyword_match(db: Session) -> None:
    by_keyword = make_resource(db, title="Night clinic", keywords=["nightmares"])
    by_title = make_resource(db, title="Nightmares workshop")

    assert among(found(db, "nightmare"), by_keyword, by_title) == [by_title.id, by_keyword.id]


def test_the_rank_tiers_in_order(db: Session) -> None:
    """0 every word in the title, 1 some word in it, 2 keywords or category, 3 description."""
    description_only = make_resource(db, title="Third", description="quokka zephyr")
    keywords = make_resource(db, title="Second", keywords=["quokka", "zephyr"])
    some_in_title = make_resource(db, title="Quokka house", description="zephyr")
    every_in_title = make_resource(db, title="Zephyr quokka")
    keyword_and_description = make_resource(
        db, title="Fourth", keywords=["quokka"], description="zephyr"
    )

    ids = found(db, "quokka zephyr")

    assert among(
        ids, description_only, keywords, some_in_title, every_in_title, keyword_and_description
    ) == [
        every_in_title.id,
        some_in_title.id,
        keywords.id,
        keyword_and_description.id,
        description_only.id,
    ]


def test_a_category_label_ranks_like_a_keyword(db: Session) -> None:
    by_description = make_resource(db, title="Aa", description="ombuds office")
    by_category = make_resource(db, title="Bb", category=Category.ombuds)

    assert among(found(db, "ombuds"), by_description, by_category) == [
        by_category.id,
        by_description.id,
    ]


def test_crisis_entries_are_pinned_first_also_below_a_title_match(db: Session) -> None:
    title_match = make_resource(db, title="Kestrel groups")
    peer_line = make_resource(
        db, title="A line", category=Category.peer_support_line, description="kestrel"
    )
    crisis_line = make_resource(
        db, title="B line", category=Category.crisis_line, description="kestrel"
    )
    eap = make_resource(db, title="Kestrel EAP", category=Category.eap)

    ids = found(db, "kestrel")

    assert among(ids, title_match, peer_line, crisis_line, eap) == [
        peer_line.id,
        crisis_line.id,
        title_match.id,
        eap.id,
    ]


def test_only_crisis_and_peer_support_lines_are_pinned() -> None:
    assert set(PINNED_CATEGORIES) == {Category.crisis_line, Category.peer_support_line}


def test_without_a_query_crisis_entries_come_first_then_by_id(db: Session) -> None:
    first = make_resource(db, category=Category.wellness)
    pinned = make_resource(db, category=Category.crisis_line)
    last = make_resource(db, category=Category.eap)

    ids = found(db)

    assert among(ids, first, pinned, last) == [pinned.id, first.id, last.id]
    pinned_count = sum(
        1 for r in find_resources(session=db, actor=None, filters=ResourceFilters(), limit=200)
        .items if r.category in PINNED_CATEGORIES
    )  # fmt: skip
    assert ids[:pinned_count] == sorted(ids[:pinned_count])
    assert ids[pinned_count:] == sorted(ids[pinned_count:])


# Keeping the index in step with the entries.


def test_an_update_and_a_delete_reach_the_index(db: Session) -> None:
    entry = make_resource(db, title="Gorse walks", keywords=["outdoors"])
    assert entry.id is not None
    assert found(db, "gorse") == [entry.id]

    update_resource(
        session=db,
        actor=RESOURCE_EDITOR,
        resource_id=entry.id,
        data=ResourceUpdate(title="Heather walks", keywords=["hiking"], category=Category.legal),
    )

    assert found(db, "gorse") == []
    assert found(db, "outdoors") == []
    assert entry.id in found(db, "heather hiking legal")
    assert entry.search_terms == search_terms_of(["hiking"], Category.legal)

    delete_resource(session=db, actor=RESOURCE_EDITOR, resource_id=entry.id)

    assert found(db, "heather") == []


def test_search_terms_hold_the_keywords_and_the_category_label() -> None:
    terms = search_terms_of(["EAP", "sleep"], Category.eap)

    assert terms == "EAP sleep Employee assistance program"
    assert search_terms_of([], Category.legal) == "Legal"


# Filters.


def test_filters_apply_with_a_query(db: Session) -> None:
    for_everyone = make_resource(db, title="Heron hour")
    for_nurses = make_resource(
        db, title="Heron hour for nurses", audience_rows=[ResourceAudience(profession_code="nurse")]
    )
    for_dentists = make_resource(
        db, title="Heron dentists", audience_rows=[ResourceAudience(profession_code="dentist")]
    )
    legal = make_resource(db, title="Heron law", category=Category.legal)
    draft = make_resource(db, title="Heron draft", published=False)
    entries = (for_everyone, for_nurses, for_dentists, legal, draft)

    assert set(among(found(db, "heron", audience="nurse"), *entries)) == {
        for_everyone.id,
        for_nurses.id,
        legal.id,
    }
    assert among(found(db, "heron", category=Category.legal), *entries) == [legal.id]
    assert draft.id not in found(db, "heron")
    assert draft.id in found(db, "heron", RESOURCE_EDITOR, include_unpublished=True)


@pytest.mark.parametrize("actor", [None, ANONYMOUS, SUPPORTER])
def test_drafts_are_refused_to_anyone_but_resource_managers(
    db: Session, actor: Actor | None
) -> None:
    with pytest.raises(PermissionDenied):
        found(db, "heron", actor, include_unpublished=True)


def test_list_resources_no_longer_searches_text(db: Session) -> None:
    with pytest.raises(ValueError, match="find_resources"):
        list_resources(
            session=db, actor=None, filters=ResourceFilters(text="x"), page=PageRequest()
        )


# The cursor.


@pytest.fixture
def many(db: Session) -> list[Resource]:
    """Entries in every rank tier and pinned or not, ids interleaved."""
    categories = [Category.wellness, Category.crisis_line, Category.legal, Category.eap]
    entries = []
    for n in range(24):
        place = n % 4
        entries.append(
            make_resource(
                db,
                title=["Wombat day", "Day out", "Day", "Day"][place] + f" {n}",
                keywords=["wombat"] if place == 2 else [],
                description="wombat" if place in (1, 3) else "",
                category=categories[n % 3 if n % 5 else 1],
                published=n != 7,
            )
        )
    return entries


@pytest.mark.parametrize("text", ["wombat", "day wombat", None])
@pytest.mark.parametrize("limit", [1, 2, 5])
def test_walking_the_pages_gives_the_one_big_page(
    db: Session, many: list[Resource], text: str | None, limit: int
) -> None:
    everything = found(db, text)

    assert walked(db, text, limit) == everything
    assert len(set(everything)) == len(everything)
    if text == "wombat":
        assert len(among(everything, *many)) == 23  # all but the draft


def test_the_cursor_walk_keeps_the_filters(db: Session, many: list[Resource]) -> None:
    crisis = Category.crisis_line

    assert walked(db, "wombat", 2, category=crisis) == found(db, "wombat", category=crisis)


def test_a_cursor_continues_strictly_after_its_key(db: Session, many: list[Resource]) -> None:
    everything = found(db, "wombat")
    first = find_resources(session=db, actor=None, filters=ResourceFilters(text="wombat"), limit=3)
    assert first.next_after is not None

    after = find_resources(
        session=db,
        actor=None,
        filters=ResourceFilters(text="wombat"),
        limit=200,
        after=first.next_after,
    )

    assert [r.id for r in after.items] == everything[3:]
    assert parse_search_key(first.next_after).id == everything[2]


def test_the_last_page_has_no_next(db: Session, many: list[Resource]) -> None:
    total = len(found(db, "wombat"))

    exact = find_resources(
        session=db, actor=None, filters=ResourceFilters(text="wombat"), limit=total
    )
    one_short = find_resources(
        session=db, actor=None, filters=ResourceFilters(text="wombat"), limit=total - 1
    )

    assert exact.next_after is None
    assert one_short.next_after is not None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("0.0.1", SearchKey(0, 0, 1)),
        ("1.3.42", SearchKey(1, 3, 42)),
        ("1.0." + "9" * 18, SearchKey(1, 0, int("9" * 18))),
    ],
)
def test_a_search_key_reads_back(text: str, key: SearchKey) -> None:
    assert parse_search_key(text) == key
    assert str(key) == text


@pytest.mark.parametrize(
    "text",
    ["", "1", "42", "2.0.1", "0.4.1", "0.0.0", "0.0.01", "1.0." + "9" * 19, "0.0.1 ", "a.b.c"],
)
def test_a_foreign_cursor_is_invalid_input_naming_cursor(db: Session, text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_search_key(text)
    assert refused.value.field == "cursor"
    if text:
        with pytest.raises(InvalidInput):
            find_resources(session=db, actor=None, filters=ResourceFilters(), after=text)


# What a person types becomes words.


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Counseling for the NURSES", ["counseling", "nurses"]),
        ("the", ["the"]),
        ("for the", ["for", "the"]),
        ('"EAP" -x* NEAR(a b) ^c:d', ["eap", "x", "near", "b", "c", "d"]),
        ("AND OR NOT", ["and", "or", "not"]),
        ("sleep sleep Sleep", ["sleep"]),
        ("ﬁne Straße", ["fine", "straße"]),
        ("snake_case", ["snake", "case"]),
        ("🧘 calm", ["calm"]),
        ("", []),
        ("  ", []),
    ],
)
def test_query_words(text: str, words: list[str]) -> None:
    assert query_words(text) == words


def test_at_most_eight_words_count() -> None:
    eight = ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]

    assert query_words("w1 w2 w3 w4 w5 w6 w7 w8") == eight
    assert query_words("w1 w2 w3 w4 w5 w6 w7 w8 w9") == eight  # the 9th is left out
    assert MAX_QUERY_WORDS == 8


def test_a_long_word_is_cut_to_a_prefix_of_40() -> None:
    forty = "abcdefghij" * 4
    assert len(forty) == 40

    assert query_words(forty) == [forty]
    assert query_words(forty + "k") == [forty]  # the 41st character is cut
    assert MAX_WORD_LENGTH == 40


def test_the_stop_words_are_postgresqls_english_list() -> None:
    assert len(STOP_WORDS) == 127
    assert {"the", "for", "other"} <= STOP_WORDS
    assert "sleep" not in STOP_WORDS


SYNTAX = [
    '"', "'", "*", "-", "+", ":", "^", "(", ")", "{", "}", "[", "]", "&", "|", "!", "<->", "\\",
    "NEAR", "NEAR/2", "AND", "OR", "NOT", "title:", "title :", "search_terms:", "rowid", "%",
    "_", ";", "--", "/*", "\x00", "\u202e", "é", "ǅ", "日本語", "🧘", "\u0301", "²", "٣", " ",
]  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=100),
        st.lists(st.sampled_from(SYNTAX) | st.text(max_size=5), max_size=30).map("".join),
    )
)
def test_any_text_is_searched_as_words_without_error(db: Session, text: str) -> None:
    text = text[:100]
    for filters in (ResourceFilters(text=text), ResourceFilters(text=text, category=Category.eap)):
        result = find_resources(session=db, actor=None, filters=filters, limit=2)
        if result.next_after is not None:
            find_resources(session=db, actor=None, filters=filters, after=result.next_after)
        assert nothing_found_message(filters)


WORDS = st.text(alphabet=string.ascii_letters, min_size=3, max_size=12).filter(
    lambda w: w.lower() not in STOP_WORDS
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=st.lists(WORDS, min_size=1, max_size=4, unique_by=str.lower), data=st.data())
def test_the_words_of_a_title_in_any_order_and_case_find_it(
    db: Session, title: list[str], data: st.DataObject
) -> None:
    entry = make_resource(db, title=" ".join(title))
    typed = data.draw(st.permutations(title))
    typed = [data.draw(st.sampled_from([w, w.upper(), w.lower()])) for w in typed]

    ids = find_resources(
        session=db, actor=None, filters=ResourceFilters(text=" ".join(typed)), limit=200
    ).items

    assert entry.id in [r.id for r in ids]
    db.delete(entry)
    db.flush()


# Nothing found: what to try.


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            ResourceFilters(text="counselling"),
            "Nothing found for “counselling”. Try the category “Counseling”.",
        ),
        (
            ResourceFilters(text="finance help"),
            "Nothing found for “finance help”. Try the category “Financial”.",
        ),
        (
            ResourceFilters(text="quokka", category=Category.legal),
            "Nothing found for “quokka” in “Legal”. Try all categories.",
        ),
        (
            ResourceFilters(text="quokka", audience="nurse"),
            "Nothing found for “quokka”. Try all professions.",
        ),
        (
            ResourceFilters(text=" quokka zephyr lemur "),
            "Nothing found for “quokka zephyr lemur”. Try fewer words, such as “quokka zephyr”.",
        ),
        (
            ResourceFilters(text="insomniac"),
            "Nothing found for “insomniac”. Try a shorter word, such as “insom”.",
        ),
        (
            ResourceFilters(text="qua"),
            "Nothing found for “qua”. Try another word, or browse all categories.",
        ),
        (ResourceFilters(category=Category.ombuds), "Nothing in “Ombuds” yet. Try all categories."),
        (
            ResourceFilters(text="!!", category=Category.ombuds),
            "Nothing in “Ombuds” yet. Try all categories.",
        ),
        (
            ResourceFilters(audience="dentist"),
            "Nothing for this profession yet. Try all professions.",
        ),
        (ResourceFilters(), "The directory has no entries yet."),
    ],
)
def test_nothing_found_says_what_to_try(filters: ResourceFilters, message: str) -> None:
    assert nothing_found_message(filters) == message


def test_a_category_is_suggested_only_when_the_search_did_not_look_there() -> None:
    assert category_resembling(["counselling"]) == Category.counseling
    assert category_resembling(["counsel"]) is None  # "counsel" already searched Counseling
    assert category_resembling(["counselling"], besides=Category.counseling) is None
    assert category_resembling(["quokka"]) is None


@pytest.mark.parametrize(
    ("word", "shorter"),
    [("insomniac", "insom"), ("sleep", "sle"), ("abcd", "abc"), ("abc", None), ("ab", None)],
)
def test_a_shorter_word_is_the_first_half_and_at_least_three_letters(
    word: str, shorter: str | None
) -> None:
    assert shorter_word(word) == shorter


def test_rank_tiers_are_four_small_integers() -> None:
    assert [int(t) for t in RankTier] == [0, 1, 2, 3]
