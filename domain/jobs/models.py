"""Background jobs: a row per piece of work the worker does after the change that caused it
(mail today; webhooks and timers later). See `domain/jobs/service.py` for the rules."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import code_column, timestamp_column, utcnow

MAX_ERROR_LENGTH = 300


class JobStatus(StrEnum):
    pending = "pending"  # waiting for `run_at`
    running = "running"  # claimed by a worker until `claimed_until`
    done = "done"
    failed = "failed"  # out of attempts: an admin may retry it by hand


class Job(SQLModel, table=True):
    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=60)
    payload: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    # A second job with the same key is never written (reminders: one per session and person).
    dedupe_key: str | None = Field(default=None, max_length=200, sa_column_kwargs={"unique": True})
    status: JobStatus = Field(default=JobStatus.pending, sa_column=code_column(JobStatus))
    attempts: int = 0
    run_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    claimed_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=MAX_ERROR_LENGTH)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    finished_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True, index=True)
    )

    __table_args__ = (sa.Index("ix_job_status_run_at", "status", "run_at"),)
