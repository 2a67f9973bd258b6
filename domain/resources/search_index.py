"""The full-text index of the resource directory, made and kept in step by the migrations (not
described by the models, since each database has its own kind):

- SQLite: the FTS5 table `resource_fts` (title, search_terms, description; tokenizer
  `porter unicode61`, so plurals stem), rowid = resource id, kept by triggers on `resource`.
- PostgreSQL: the generated column `resource.search_vector` (`english` config; title weighted A,
  search_terms B, description C) with a GIN index.

Schema comparisons (Alembic's autogenerate, the migration tests) leave these names alone."""

from __future__ import annotations

FTS_TABLE = "resource_fts"
# FTS5 keeps an index in tables of its own, named after the virtual table.
FTS_SHADOW_TABLES = frozenset(
    f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")
)
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEX = "ix_resource_search_vector"

SEARCH_INDEX_TABLES = frozenset({FTS_TABLE}) | FTS_SHADOW_TABLES


def is_search_index(name: str | None, type_: str, parent_names: object = None) -> bool:
    """Whether a database object belongs to the search index (for `include_name` filters)."""
    del parent_names  # the names are unique enough on their own
    if type_ == "table":
        return name in SEARCH_INDEX_TABLES
    if type_ == "column":
        return name == SEARCH_VECTOR_COLUMN
    if type_ == "index":
        return name == SEARCH_VECTOR_INDEX
    return False
