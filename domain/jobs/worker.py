"""The worker (`peer-support worker`): claim a due job, run its handler, record the outcome;
between passes, periodic steps (session reminders) enqueue what has become due.

Handlers are looked up by the job's kind (`default_handlers`); they run outside any database
transaction (a slow SMTP server never holds a lock), and a handler that raises fails that
attempt only (`domain.jobs.service.record_failure`: backoff, then `failed`), unless it raises
`PermanentJobError` (the job fails at once). A job of a kind no
handler knows fails the same way, so it shows on the admin page instead of vanishing.

Several workers may run at once, on one machine or many: claims never hand one job to two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from domain.columns import utcnow
from domain.db import unit_of_work
from domain.jobs.service import (
    LEASE,
    ClaimedJob,
    Clock,
    PermanentJobError,
    claim_next,
    complete,
    describe_error,
    record_failure,
)
from domain.settings import Settings

log = logging.getLogger("peer_support.worker")
DEFAULT_POLL_SECONDS = 5.0
# Periodic steps (reminders) run at most this often; each pass of `run_due` runs them once.
PERIODIC_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    now: datetime
    engine: Engine  # for a handler that checks, at run time, that its job still holds


Handler = Callable[[ClaimedJob, JobContext], None]
PeriodicStep = Callable[[Engine, datetime], int]


def send_mail_job(job: ClaimedJob, context: JobContext) -> None:
    from domain.mail.outbox import is_for_deactivated_person
    from domain.mail.sending import send_mail

    with Session(context.engine) as session:
        if is_for_deactivated_person(session, str(job.payload.get("to", ""))):
            log.info("Job %s: not sent, its recipient was deactivated", job.id)
            return
    send_mail(job.payload, job_id=job.id, settings=context.settings, now=context.now)


def send_reminder_job(job: ClaimedJob, context: JobContext) -> None:
    from domain.mail.reminders import send_reminder

    send_reminder(job, engine=context.engine, settings=context.settings, now=context.now)


def default_handlers() -> dict[str, Handler]:
    from domain.mail.outbox import MAIL_SEND
    from domain.mail.reminders import REMINDER_SEND

    return {MAIL_SEND: send_mail_job, REMINDER_SEND: send_reminder_job}


def enqueue_reminders_step(engine: Engine, now: datetime) -> int:
    from domain.mail.reminders import enqueue_due_reminders

    with unit_of_work(engine) as session:
        return enqueue_due_reminders(session, now)


def default_periodic_steps() -> list[PeriodicStep]:
    return [enqueue_reminders_step]


@dataclass
class Worker:
    engine: Engine
    settings: Settings
    clock: Clock = utcnow
    handlers: Mapping[str, Handler] = field(default_factory=default_handlers)
    periodic_steps: list[PeriodicStep] = field(default_factory=default_periodic_steps)
    lease: timedelta = LEASE
    _last_periodic: datetime | None = None

    def run_periodic_steps(self) -> None:
        for step in self.periodic_steps:
            try:
                step(self.engine, self.clock())
            except Exception:
                log.exception("A periodic step (%s) failed; it runs again next pass", step)
        self._last_periodic = self.clock()

    def run_one(self) -> bool:
        """Claim and run one due job; False when none is due."""
        job = claim_next(self.engine, now=self.clock, lease=self.lease)
        if job is None:
            return False
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            context = JobContext(settings=self.settings, now=self.clock(), engine=self.engine)
            handler(job, context)
        except Exception as error:
            permanent = isinstance(error, PermanentJobError)
            status = record_failure(
                self.engine, job, describe_error(error), now=self.clock, permanent=permanent
            )
            log.warning(
                "Job %s (%s) attempt %s failed: %s; now %s",
                job.id, job.kind, job.attempt, describe_error(error), status,
            )  # fmt: skip
        else:
            complete(self.engine, job, now=self.clock)
        return True

    def run_due(self, *, stop: threading.Event | None = None) -> int:
        """One pass: the periodic steps, then every job due now. How many jobs ran."""
        self.run_periodic_steps()
        ran = 0
        while not (stop and stop.is_set()) and self.run_one():
            ran += 1
        return ran

    def run_forever(
        self, stop: threading.Event, poll_seconds: float = DEFAULT_POLL_SECONDS
    ) -> None:
        """Pass after pass until `stop` is set; a database error waits for the next pass."""
        while not stop.is_set():
            try:
                if self._periodic_due():
                    self.run_periodic_steps()
                while not stop.is_set() and self.run_one():
                    pass
            except Exception:
                log.exception("The worker's pass failed; trying again in %s s", poll_seconds)
            stop.wait(poll_seconds)

    def _periodic_due(self) -> bool:
        return self._last_periodic is None or self.clock() - self._last_periodic >= PERIODIC_EVERY
