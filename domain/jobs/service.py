"""The durable job queue: work done after the change that caused it (mail today; webhooks and
timers later), in a table of our own so a job is written in the same transaction as its cause.

Rules:
- `enqueue` writes in the caller's transaction: a change rolled back leaves no job, and the job
  is visible to workers exactly when the change commits. A job with a `dedupe_key` already
  written is not written again (`INSERT ... ON CONFLICT DO NOTHING`), so a periodic step may
  enqueue the same reminder on every pass and it goes once.
- `claim_next` runs in a short transaction of its own and hands a due job to exactly one worker:
  PostgreSQL locks the row with `FOR UPDATE SKIP LOCKED` (a second worker skips to the next
  job), SQLite's `BEGIN IMMEDIATE` (every unit of work, `domain.db`) lets one claimer in at a
  time. A claim is a lease (`LEASE`): a job whose worker died mid-run is claimable again once
  the lease is over, so delivery is at least once (a crash in the middle of a send may repeat
  that one send), never lost.
- Each claim counts as an attempt. A failed attempt waits `backoff_after(attempt)`: 10 minutes
  doubling each time (10 min, 20, 40, 1 h 20, 2 h 40, 5 h 20, 10 h 40: 21 h 10 min in all);
  the 8th failed attempt (`MAX_ATTEMPTS`) marks the job `failed`. A handler raising
  `PermanentJobError` (a message that cannot even be built) fails the job at once. An admin
  puts a failed job back with `retry_job` (audited); it then has 8 attempts again.
- A worker finishes only the attempt it claimed (`attempts` is the fence): if its lease ran out
  and another worker claimed the job, the late worker's outcome is ignored.
- A done job keeps only the recipient and subject of its payload (`KEPT_WHEN_DONE`): the body,
  which may hold a set-password link, is dropped when it is sent.
- `last_error` is short (the error's type and first line) and never holds the payload.
- Time comes from a `Clock` (a callable returning an aware UTC datetime), so tests of backoff
  and reminders step time forward instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, delete, or_, select, update

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.codes import Role
from domain.columns import utcnow
from domain.db import insert_for, unit_of_work
from domain.errors import Conflict, NotFound
from domain.jobs.models import MAX_ERROR_LENGTH, Job, JobStatus
from domain.pagination import Page, PageRequest, page_from_rows

Clock = Callable[[], datetime]

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(minutes=10)
BACKOFF_FACTOR = 2
# How long a claim holds: longer than any one job takes (an SMTP send times out in 30 s).
LEASE = timedelta(minutes=5)
# Done jobs are deleted after this; failed ones stay longer, for an admin to see and retry.
DONE_RETENTION = timedelta(days=7)
FAILED_RETENTION = timedelta(days=30)
# A done job keeps only these of its payload (what the admin page shows): a mail's body, which
# may hold a set-password link, is gone the moment it is sent.
KEPT_WHEN_DONE = ("to", "subject")


def backoff_after(attempt: int) -> timedelta:
    """How long a job waits after its `attempt`-th failed attempt (1-based)."""
    return FIRST_BACKOFF * BACKOFF_FACTOR ** (attempt - 1)


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    now: Clock = utcnow,
) -> None:
    """Write a job in the caller's transaction; a second job with `dedupe_key` is a no-op."""
    moment = now()
    statement = (
        insert_for(session, Job)
        .values(
            kind=kind,
            payload=dict(payload),
            dedupe_key=dedupe_key,
            status=JobStatus.pending,
            attempts=0,
            run_at=run_at or moment,
            created_at=moment,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    session.execute(statement)


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker holds until `claimed_until`; `attempt` fences its outcome."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    claimed_until: datetime


def _claimable(now: datetime) -> Any:
    due = (col(Job.status) == JobStatus.pending) & (col(Job.run_at) <= now)
    abandoned = (col(Job.status) == JobStatus.running) & (col(Job.claimed_until) <= now)
    return or_(due, abandoned)


def claim_next(
    engine: Engine, *, now: Clock = utcnow, lease: timedelta = LEASE
) -> ClaimedJob | None:
    """The next due job, claimed in a transaction of its own; None when nothing is due."""
    with unit_of_work(engine) as session:
        while True:
            moment = now()
            query = (
                select(Job)
                .where(_claimable(moment))
                .order_by(col(Job.run_at), col(Job.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            job = session.exec(query).first()
            if job is None:
                return None
            assert job.id is not None
            if job.status == JobStatus.running and job.attempts >= MAX_ATTEMPTS:
                # Its worker died during the last attempt: out of attempts, not run again.
                _mark_failed(job, moment, "the worker stopped during the last attempt")
                session.add(job)
                session.flush()
                continue
            job.status = JobStatus.running
            job.attempts += 1
            job.claimed_until = moment + lease
            session.add(job)
            session.flush()
            return ClaimedJob(
                id=job.id,
                kind=job.kind,
                payload=dict(job.payload),
                attempt=job.attempts,
                claimed_until=job.claimed_until,
            )


def _mark_failed(job: Job, moment: datetime, error: str) -> None:
    job.status = JobStatus.failed
    job.finished_at = moment
    job.claimed_until = None
    job.last_error = error[:MAX_ERROR_LENGTH]


def _holds_claim(claimed: ClaimedJob) -> Any:
    return (
        (col(Job.id) == claimed.id)
        & (col(Job.status) == JobStatus.running)
        & (col(Job.attempts) == claimed.attempt)
    )


def summary_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a done job keeps of its payload: what the admin page shows, never a body."""
    return {key: payload[key] for key in KEPT_WHEN_DONE if key in payload}


def complete(engine: Engine, claimed: ClaimedJob, *, now: Clock = utcnow) -> bool:
    """Mark the attempt done, its payload cut to `summary_of`; False when the claim was lost
    (lease over, claimed again)."""
    with unit_of_work(engine) as session:
        done = (
            update(Job)
            .where(_holds_claim(claimed))
            .values(
                status=JobStatus.done,
                finished_at=now(),
                claimed_until=None,
                last_error=None,
                payload=summary_of(claimed.payload),
            )
        )
        return bool(session.exec(done).rowcount)


def describe_error(error: BaseException) -> str:
    """The error's type and the first line of its message, short: never the payload."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text[:MAX_ERROR_LENGTH]


class PermanentJobError(Exception):
    """Raised by a handler when trying again cannot help (a message that cannot be built):
    the job fails at once instead of waiting out its attempts."""


def record_failure(
    engine: Engine, claimed: ClaimedJob, error: str, *, now: Clock = utcnow, permanent: bool = False
) -> JobStatus | None:
    """After a failed attempt: pending again after the backoff, or failed after the last one
    (or at once when `permanent`). The new status, or None when the claim was lost."""
    moment = now()
    if permanent or claimed.attempt >= MAX_ATTEMPTS:
        values: dict[str, Any] = {
            "status": JobStatus.failed,
            "finished_at": moment,
            "claimed_until": None,
            "last_error": error[:MAX_ERROR_LENGTH],
        }
    else:
        values = {
            "status": JobStatus.pending,
            "run_at": moment + backoff_after(claimed.attempt),
            "claimed_until": None,
            "last_error": error[:MAX_ERROR_LENGTH],
        }
    with unit_of_work(engine) as session:
        changed = session.exec(update(Job).where(_holds_claim(claimed)).values(**values))
        if not changed.rowcount:
            return None
    return JobStatus(values["status"])


def retry_job(*, session: Session, actor: Actor, job_id: int, now: Clock = utcnow) -> None:
    """Admins: put a failed job back in the queue, due at once, with all its attempts again."""
    require_role(actor, Role.admin, to="retry background jobs")
    back = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.failed)
        .values(
            status=JobStatus.pending,
            attempts=0,
            run_at=now(),
            claimed_until=None,
            finished_at=None,
        )
    )
    if not session.exec(back).rowcount:
        if session.get(Job, job_id) is None:
            raise NotFound("There is no such job.")
        raise Conflict("This job is not failed (it was retried already or has been sent).")
    record_audit_event(
        session=session, actor=actor, action=AuditAction.job_retry, object_type="job",
        object_id=job_id,
    )  # fmt: skip


# What admins see of the queue: never a payload's body (it may hold a set-password link).


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    status: JobStatus
    recipient: str
    subject: str
    attempts: int
    last_error: str | None
    run_at: datetime
    created_at: datetime
    finished_at: datetime | None


def _row(job: Job) -> JobRow:
    assert job.id is not None
    payload = job.payload if isinstance(job.payload, dict) else {}
    return JobRow(
        id=job.id,
        kind=job.kind,
        status=job.status,
        recipient=str(payload.get("to", "")),
        subject=str(payload.get("subject", "")),
        attempts=job.attempts,
        last_error=job.last_error,
        run_at=job.run_at,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def count_jobs_by_status(*, session: Session, actor: Actor) -> dict[JobStatus, int]:
    require_role(actor, Role.admin, to="see the background jobs")
    rows = session.exec(select(Job.status, func.count()).group_by(col(Job.status)))
    counts = dict.fromkeys(JobStatus, 0)
    counts.update({JobStatus(status): count for status, count in rows})
    return counts


def list_jobs(
    *, session: Session, actor: Actor, status: JobStatus, page: PageRequest
) -> Page[JobRow]:
    """Jobs of one status, newest first (keyset by id)."""
    require_role(actor, Role.admin, to="see the background jobs")
    query = (
        select(Job)
        .where(col(Job.status) == status)
        .order_by(col(Job.id).desc())
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        query = query.where(col(Job.id) < page.after_id)
    rows = [_row(job) for job in session.exec(query)]
    return page_from_rows(rows, page, lambda row: row.id)


def purge_finished_jobs(session: Session, now: datetime) -> int:
    """Delete done jobs after `DONE_RETENTION` and failed ones after `FAILED_RETENTION`."""
    old = or_(
        (col(Job.status) == JobStatus.done) & (col(Job.finished_at) <= now - DONE_RETENTION),
        (col(Job.status) == JobStatus.failed) & (col(Job.finished_at) <= now - FAILED_RETENTION),
    )
    return session.exec(delete(Job).where(old)).rowcount
