"""How fast the directory's search answers: generates entries (10,000 by default) with realistic
titles, keywords, categories, audiences and descriptions into a temporary SQLite database and,
with `--postgres URL`, into a scratch PostgreSQL database made next to URL's (named
`<database>_search_bench`, dropped afterwards; URL's own database is never touched), runs a set
of searches through `find_resources` many times and prints the median and 95th percentile in
milliseconds per search and database.

    .venv/bin/python -m bench.search [--entries 10000] [--repeat 50] [--postgres URL]

Not a test: timings depend on the machine. tests/bench/test_search_bench.py only checks that it
runs."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from domain.codes import ResourceCategory
from domain.columns import utcnow
from domain.db import make_engine
from domain.migrations import upgrade_to_head
from domain.resources.models import Resource, ResourceAudience, search_terms_of
from domain.resources.search import find_resources
from domain.resources.service import ResourceFilters

PAGE = 50  # the API's default page


def words(text: str) -> list[str]:
    return text.split()


PLACES = words(
    """
    Riverside Lakeside Northgate Hillcrest Harbor Meadow Cedar Maple Summit Valley Eastside
    Westfield Oakwood Pinecrest Bayview Fairview Brookside Greenfield Highland Parkside
"""
)
KINDS = {
    ResourceCategory.crisis_line: ["Crisis Line", "Suicide Prevention Line", "Crisis Text Line"],
    ResourceCategory.eap: ["Employee Assistance Program", "EAP Office", "Staff Assistance"],
    ResourceCategory.counseling: ["Counseling Center", "Counseling Service", "Therapy Group"],
    ResourceCategory.physician_health_program: ["Physician Health Program", "Clinician Health"],
    ResourceCategory.peer_support_line: ["Peer Support Line", "Peer Listening Line"],
    ResourceCategory.wellness: ["Wellness Hub", "Sleep Clinic", "Yoga Studio", "Fitness Center"],
    ResourceCategory.spiritual_care: ["Chaplaincy", "Spiritual Care", "Meditation Room"],
    ResourceCategory.financial: ["Financial Coaching", "Credit Counseling", "Budget Help"],
    ResourceCategory.legal: ["Legal Aid", "Law Clinic", "Tenant Rights Office"],
    ResourceCategory.childcare: ["Childcare Center", "Backup Childcare", "Daycare"],
    ResourceCategory.occupational_health: ["Occupational Health", "Employee Health Clinic"],
    ResourceCategory.ombuds: ["Ombuds Office", "Ombudsperson"],
    ResourceCategory.other: ["Community Resource", "Staff Lounge", "Library"],
}
KEYWORDS = words(
    """
    EAP sleep insomnia burnout grief stress anxiety depression debt divorce parenting
    mindfulness yoga fatigue trauma PTSD bereavement addiction substance alcohol smoking
    nutrition exercise loneliness caregiving housing immigration retirement conflict
    harassment moral-distress second-victim
"""
)
WORDS = words(
    """
    support confidential staff clinicians nurses physicians residents students families free
    available hours appointment walk-in virtual phone text chat same-day week weekend night
    shift private counselors therapists coaches groups sessions referral urgent help listen
    talk care recovery balance resilience wellbeing health team program services office
    campus hospital community trained licensed experienced short-term long-term workshops
    classes evenings
"""
)
PROFESSIONS = ["physician", "nurse", "pharmacist", "resident_fellow", "student", "staff"]


@dataclass(frozen=True)
class Search:
    name: str
    filters: ResourceFilters
    deep: bool = False  # time a page far down the listing, reached by its cursor


SEARCHES = [
    Search("one word", ResourceFilters(text="counseling")),
    Search("prefix", ResourceFilters(text="couns")),
    Search("two words", ResourceFilters(text="sleep clinic")),
    Search("keyword", ResourceFilters(text="EAP")),
    Search("category name", ResourceFilters(text="employee assistance")),
    Search("no match", ResourceFilters(text="xylophone")),
    Search(
        "with filters",
        ResourceFilters(text="support", category=ResourceCategory.wellness, audience="nurse"),
    ),
    Search("no query", ResourceFilters()),
    Search("no query, deep page", ResourceFilters(), deep=True),
    Search("common word, deep page", ResourceFilters(text="staff"), deep=True),
]


@dataclass
class Timings:
    found: dict[str, int] = field(default_factory=dict)
    milliseconds: dict[str, list[float]] = field(default_factory=dict)


def entry_values(rng: random.Random, n: int) -> tuple[dict[str, Any], list[str]]:
    category = rng.choice(list(ResourceCategory))
    keywords = rng.sample(KEYWORDS, rng.randint(0, 3))
    description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize()
    now = utcnow()
    values = {
        "title": f"{rng.choice(PLACES)} {rng.choice(KINDS[category])} {n}",
        "description": description + ".",
        "category": category.value,
        "keywords": keywords,
        "search_terms": search_terms_of(keywords, category),
        "phone": "555-010-" + str(1000 + n % 9000),
        "available_24_7": category in (ResourceCategory.crisis_line,),
        "confidential": rng.random() < 0.7,
        "published": rng.random() < 0.95,
        "created_at": now,
        "updated_at": now,
    }
    audiences = rng.sample(PROFESSIONS, rng.choice([0, 0, 0, 1, 2]))
    return values, audiences


def fill(engine: Engine, entries: int, seed: int) -> None:
    """Entries by plain INSERTs, 1,000 at a time (with their search terms, as the app writes
    them), numbered after the seeded ones."""
    rng = random.Random(seed)  # noqa: S311 - made-up entries, the same every run
    resource = Resource.__table__  # type: ignore[attr-defined]
    audience = ResourceAudience.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        first_id = connection.execute(sa.select(sa.func.max(resource.c.id))).scalar_one() or 0
        for start in range(0, entries, 1000):
            batch = [entry_values(rng, n) for n in range(start, min(entries, start + 1000))]
            ids = range(first_id + start + 1, first_id + start + 1 + len(batch))
            numbered = zip(ids, batch, strict=True)
            connection.execute(resource.insert(), [{"id": i, **v} for i, (v, _) in numbered])
            rows = [
                {"resource_id": i, "profession_code": code}
                for i, (_, codes) in zip(ids, batch, strict=True)
                for code in codes
            ]
            if rows:
                connection.execute(audience.insert(), rows)
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE resource")
            connection.exec_driver_sql("ANALYZE resource_audience")


def walk(session: Session, filters: ResourceFilters) -> tuple[int, list[str]]:
    """How many entries a search finds, and the cursor of each of its pages."""
    total = 0
    keys: list[str] = []
    after: str | None = None
    while True:
        page = find_resources(session=session, actor=None, filters=filters, limit=PAGE, after=after)
        total += len(page.items)
        if page.next_after is None:
            return total, keys
        keys.append(page.next_after)
        after = page.next_after


def measure(engine: Engine, repeat: int) -> Timings:
    timings = Timings()
    with Session(engine) as session:
        for search in SEARCHES:
            total, keys = walk(session, search.filters)
            timings.found[search.name] = total
            # The last full page: as deep as the listing goes.
            after = keys[-2] if search.deep and len(keys) > 1 else None

            def run(search: Search = search, after: str | None = after) -> None:
                find_resources(
                    session=session, actor=None, filters=search.filters, limit=PAGE, after=after
                )

            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                run()
                samples.append((time.perf_counter() - started) * 1000)
                session.expunge_all()  # every search loads its rows afresh
            timings.milliseconds[search.name] = samples
    return timings


def percentile(samples: list[float], fraction: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="search-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgresql_database(url: str) -> Iterator[Engine]:
    """A scratch database next to `url`'s, dropped afterwards."""
    parsed = make_url(url)
    name = f"{parsed.database}_search_bench"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def recreate(*, again: bool) -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if again:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    recreate(again=True)
    engine = make_engine(parsed.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        recreate(again=False)
        admin.dispose()


def bench(database: Callable[[], Any], label: str, entries: int, repeat: int, seed: int) -> Timings:
    with database() as engine:
        upgrade_to_head(engine)
        started = time.perf_counter()
        fill(engine, entries, seed)
        print(f"{label}: {entries} entries written in {time.perf_counter() - started:.1f} s")
        return measure(engine, repeat)


def report(results: dict[str, Timings], entries: int, repeat: int) -> str:
    labels = list(results)
    header = f"{'search (' + str(entries) + ' entries, ' + str(repeat) + ' runs)':<34}"
    header += "".join(f"{label + ' p50':>16}{label + ' p95':>16}{'found':>7}" for label in labels)
    lines = [header]
    for search in SEARCHES:
        line = f"{search.name:<34}"
        for label in labels:
            samples = results[label].milliseconds[search.name]
            line += f"{percentile(samples, 0.5):>13.2f} ms{percentile(samples, 0.95):>13.2f} ms"
            line += f"{results[label].found[search.name]:>7}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to bench too")
    options = parser.parse_args(argv)

    results = {
        "sqlite": bench(sqlite_database, "sqlite", options.entries, options.repeat, options.seed)
    }
    if options.postgres:
        try:
            results["postgresql"] = bench(
                lambda: postgresql_database(options.postgres),
                "postgresql",
                options.entries,
                options.repeat,
                options.seed,
            )
        except OperationalError as error:
            print(f"PostgreSQL is not reachable, skipped: {error.orig}", file=sys.stderr)
    print(report(results, options.entries, options.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
