"""Finding resources: the one search behind the API's `q`, the supporter pages, the public
directory and the embed, the same on SQLite (FTS5) and PostgreSQL (tsvector); the index itself
is described in `domain.resources.search_index`.

Rules (each has one function here):
- `query_words`: what a person typed becomes plain words (letters and digits; at most 8, each
  cut to 40 characters; English stop words left out unless nothing else is left); nothing typed
  ever reaches a full-text query's syntax. Blank text, or text without a letter or digit, is no
  text filter at all.
- `text_match`: every word must match, in any order, each somewhere in the title, the keywords,
  the category's label or the description; each word is a prefix ("counsel" finds
  "Counseling" and "counselors"), and plurals stem.
- `rank_tier`: title matches first: 0 every word in the title, 1 some word in the title,
  2 a word in the keywords or the category's label, 3 the description only. A small integer,
  computed the same way on both databases, so the order is the same on both.
- `is_pinned`: crisis entries (`PINNED_CATEGORIES`) come first, with or without a query.
- `find_resources`: published entries for everyone, drafts only for resource managers; ordered
  by (pinned, rank, id); the cursor (`next_after`) carries that whole key, so paging never
  repeats or skips an entry.
- `nothing_found_message`: what to try when a search finds nothing."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from domain.actors import Actor
from domain.codes import ResourceCategory, label
from domain.errors import InvalidInput
from domain.pagination import DEFAULT_LIMIT, MAX_LIMIT
from domain.resources.models import Resource
from domain.resources.search_index import FTS_TABLE, SEARCH_VECTOR_COLUMN
from domain.resources.service import PINNED_CATEGORIES, ResourceFilters, resource_filter_clauses

# Words past these limits add nothing a person would miss, and bound the cost of a query.
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40

# A word: letters and digits. Everything else (quotes, `*`, `-`, `:`, `^`, parentheses,
# underscores, emoji) separates words.
WORD = re.compile(r"[^\W_]+")

# PostgreSQL's `english` configuration does not index these words (its english.stop), so a
# query that requires them would find nothing there; both databases leave them out alike.
_ENGLISH_STOP_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
"""
STOP_WORDS = frozenset(_ENGLISH_STOP_LIST.split())


class RankTier(IntEnum):
    """How well an entry matches a query; lower ranks first."""

    every_word_in_title = 0
    some_word_in_title = 1
    keywords_or_category = 2
    description_only = 3


@dataclass(frozen=True)
class SearchKey:
    """An entry's place in the order of a listing; a cursor continues strictly after it."""

    pinned: int  # 0 pinned (crisis), 1 the rest
    rank: int  # a RankTier; 0 for every entry when there is no query
    id: int

    def __str__(self) -> str:
        return f"{self.pinned}.{self.rank}.{self.id}"


SEARCH_KEY = re.compile(r"([01])\.([0-3])\.([1-9][0-9]{0,17})")


def parse_search_key(text: str) -> SearchKey:
    """The key a `next_after` holds; anything else is a cursor this search never gave out."""
    match = SEARCH_KEY.fullmatch(text)
    if match is None:
        raise InvalidInput("This cursor is not one this search gave out.", field="cursor")
    pinned, rank, resource_id = match.groups()
    return SearchKey(int(pinned), int(rank), int(resource_id))


@dataclass(frozen=True)
class FoundResources:
    items: list[Resource]
    # The cursor key of the last item when there is a next page: opaque text for callers.
    next_after: str | None


def query_words(text: str | None) -> list[str]:
    """The words to search for, lowercased, each once, in the order typed. Stop words ("the",
    "for") are left out unless nothing else is left (someone typing "the" may be on the way to
    "therapy"). `lower`, not `casefold`: casefold turns "straße" into "strasse", which neither
    database's index holds."""
    normalized = unicodedata.normalize("NFKC", text or "").lower()
    words = list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in WORD.findall(normalized)))
    meaningful = [word for word in words if word not in STOP_WORDS] or words
    return meaningful[:MAX_QUERY_WORDS]


# SQLite: FTS5 match expressions over `resource_fts`. Each word is a quoted string (it holds
# only letters and digits, never a quote) with the prefix marker after it.

_FTS = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer()))


def _fts_expression(words: list[str], *, column: str | None = None, every: bool = True) -> str:
    scope = f"{column} : " if column else ""
    return (" AND " if every else " OR ").join(f'{scope}"{word}"*' for word in words)


def _fts_ids(expression: str) -> sa.Select[Any]:
    match = sa.literal_column(FTS_TABLE).op("MATCH", return_type=sa.Boolean())
    return sa.select(_FTS.c.rowid).where(match(sa.literal(expression, sa.Text())))


# PostgreSQL: tsquery built with `to_tsquery` from each word as a quoted, prefix-marked lexeme.
# Each word is looked for both stemmed (`english`: "counseling" finds "counselors") and as typed
# (`simple`: "the" still finds "therapy", where `english` drops it as a stop word).

_VECTOR: sa.ColumnElement[Any] = sa.literal_column(f"resource.{SEARCH_VECTOR_COLUMN}")


def _tsquery_word(word: str, weights: str = "") -> sa.ColumnElement[Any]:
    pattern = sa.literal(f"'{word}':*{weights}", sa.Text())
    stemmed = sa.func.to_tsquery(sa.literal_column("'english'::regconfig"), pattern)
    as_typed = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), pattern)
    return stemmed.op("||")(as_typed)


def _tsquery_matches(words: list[str], *, weights: str = "", every: bool = True) -> Any:
    combined = _tsquery_word(words[0], weights)
    for word in words[1:]:
        combined = combined.op("&&" if every else "||")(_tsquery_word(word, weights))
    return _VECTOR.op("@@", return_type=sa.Boolean())(combined)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def text_match(session: Session, words: list[str]) -> Any:
    """Every word, in any order, somewhere in the entry."""
    if _is_sqlite(session):
        return col(Resource.id).in_(_fts_ids(_fts_expression(words)))
    return _tsquery_matches(words)


def rank_tier(session: Session, words: list[str]) -> Any:
    """The `RankTier` of an entry that `text_match`es, as an SQL expression."""

    def in_title(*, every: bool) -> Any:
        if _is_sqlite(session):
            expression = _fts_expression(words, column="title", every=every)
            return col(Resource.id).in_(_fts_ids(expression))
        return _tsquery_matches(words, weights="A", every=every)

    if _is_sqlite(session):
        expression = _fts_expression(words, column="search_terms", every=False)
        in_keywords_or_category = col(Resource.id).in_(_fts_ids(expression))
    else:
        in_keywords_or_category = _tsquery_matches(words, weights="B", every=False)
    tiers = [(in_title(every=True), RankTier.every_word_in_title)]
    if len(words) > 1:  # with one word, "some word" is "every word": spare the database
        tiers.append((in_title(every=False), RankTier.some_word_in_title))
    tiers.append((in_keywords_or_category, RankTier.keywords_or_category))
    return sa.case(
        *((condition, int(tier)) for condition, tier in tiers),
        else_=int(RankTier.description_only),
    )


def is_pinned(resource: Resource) -> bool:
    """Whether the entry comes first in listings (`service.PINNED_CATEGORIES`: crisis lines and
    peer support lines; the crisis panel's `CRISIS_CATEGORIES` also holds the EAP)."""
    return resource.category in PINNED_CATEGORIES


def _pinned_key() -> Any:
    """0 for pinned entries (see `is_pinned`), 1 for the rest, as an SQL expression."""
    return sa.case((col(Resource.category).in_(PINNED_CATEGORIES), 0), else_=1)


def find_resources(
    *,
    session: Session,
    actor: Actor | None,
    filters: ResourceFilters,
    limit: int = DEFAULT_LIMIT,
    after: str | None = None,
) -> FoundResources:
    """A page of the entries `filters` select, in (pinned, rank, id) order, after the key
    `after` (a `next_after` of the previous page). A malformed `after` is `InvalidInput` on the
    field `cursor`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    after_key = parse_search_key(after) if after else None
    words = query_words(filters.text)
    clauses = resource_filter_clauses(actor, filters)
    if words:
        clauses.append(text_match(session, words))
    rank = rank_tier(session, words) if words else sa.literal_column("0")
    keys = (
        select(col(Resource.id).label("id"), _pinned_key().label("pinned"), rank.label("rank"))
        .where(*clauses)
        .subquery("search_key")
    )
    order = (keys.c.pinned, keys.c.rank, keys.c.id)
    # The page is chosen among the keys alone; only its rows are read whole (sorting every
    # match with its description costs several times more).
    chosen = select(*order).order_by(*order).limit(limit + 1)
    if after_key is not None:
        chosen = chosen.where(
            sa.tuple_(*order) > sa.tuple_(after_key.pinned, after_key.rank, after_key.id)
        )
    page_keys = chosen.subquery("page_key")
    query = (
        select(Resource, page_keys.c.pinned, page_keys.c.rank, page_keys.c.id)
        .join(page_keys, page_keys.c.id == Resource.id)
        .order_by(page_keys.c.pinned, page_keys.c.rank, page_keys.c.id)
    )
    rows = session.exec(query).all()
    page = rows[:limit]
    items = [row[0] for row in page]
    next_after = None
    if len(rows) > limit:
        _, pinned, rank_of_last, last_id = page[-1]
        next_after = str(SearchKey(int(pinned), int(rank_of_last), int(last_id)))
    return FoundResources(items=items, next_after=next_after)


# Nothing found: one concrete thing to try, the most specific first.

SHORTEST_SUGGESTED_PREFIX = 3
SIMILAR_ENOUGH = 0.75


def category_resembling(words: list[str], *, besides: str | None = None) -> ResourceCategory | None:
    """A category whose label resembles one of the words ("counselling" → Counseling,
    "finance" → Financial), for a query that found nothing."""
    for word in words:
        for category in ResourceCategory:
            if category == besides or category == ResourceCategory.other:
                continue
            label_words = label(category).lower().split()
            if any(label_word.startswith(word) for label_word in label_words):
                continue  # the search looked there already
            for label_word in label_words:
                similarity = difflib.SequenceMatcher(None, word, label_word).ratio()
                if similarity >= SIMILAR_ENOUGH:
                    return category
    return None


def shorter_word(word: str) -> str | None:
    """The first half of a long word: as a prefix it finds more ("insomn" finds "insomnia")."""
    half = max(SHORTEST_SUGGESTED_PREFIX, (len(word) + 1) // 2)
    return word[:half] if half < len(word) else None


def nothing_found_message(filters: ResourceFilters) -> str:
    """What to say instead of an empty list: one concrete suggestion, the most specific first:
    a category whose label resembles a word, all categories, all professions, fewer words,
    a shorter word."""
    words = query_words(filters.text)
    where = f" in “{label(filters.category)}”" if filters.category else ""
    if not words:
        if filters.category:
            return f"Nothing{where} yet. Try all categories."
        if filters.audience:
            return "Nothing for this profession yet. Try all professions."
        return "The directory has no entries yet."
    found_for = f"Nothing found for “{(filters.text or '').strip()}”{where}."
    similar = category_resembling(words, besides=filters.category)
    if similar is not None:
        return f"{found_for} Try the category “{label(similar)}”."
    if filters.category:
        return f"{found_for} Try all categories."
    if filters.audience:
        return f"{found_for} Try all professions."
    if len(words) > 1:
        return f"{found_for} Try fewer words, such as “{' '.join(words[:-1])}”."
    shorter = shorter_word(words[0])
    if shorter is not None:
        return f"{found_for} Try a shorter word, such as “{shorter}”."
    return f"{found_for} Try another word, or browse all categories."
