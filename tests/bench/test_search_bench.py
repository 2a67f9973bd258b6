"""bench/search.py runs (its timings are read by people, not asserted): a few entries, once,
on this run's database kind."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bench.search import SEARCHES, main
from tests.databases import is_postgresql


def test_the_search_bench_runs_and_reports_every_search(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    postgres = ["--postgres", database_url] if is_postgresql(database_url) else []

    assert main(["--entries", "50", "--repeat", "1", *postgres]) == 0

    report = capsys.readouterr().out
    for search in SEARCHES:
        assert search.name in report
    assert "sqlite p95" in report
    assert ("postgresql p95" in report) == bool(postgres)
