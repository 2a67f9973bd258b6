"""Workers: two at once send each message once; a claim is a lease that a dead worker's job
outlives; the `peer-support worker` command drains the queue and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.cli import main
from domain.db import make_engine, unit_of_work
from domain.jobs.models import Job, JobStatus
from domain.jobs.service import claim_next, complete, enqueue
from domain.mail.outbox import Mail, queue_mail
from domain.settings import REPO_ROOT
from tests.mail.conftest import Clock, SmtpServer, worker_for

JOBS = 40


def queue_numbered_mail(engine: Engine, count: int) -> None:
    with unit_of_work(engine) as session:
        for number in range(count):
            mail = Mail(to=f"person{number}@h.example.org", subject=f"Number {number}", body="hi")
            queue_mail(session, mail)


def test_two_workers_send_each_of_40_messages_once(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    queue_numbered_mail(mail_engine, JOBS)
    url = mail_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]  # each worker with connections of its own
    workers = [worker_for(engine, tmp_path, smtp_server, clock) for engine in engines]
    ran: list[int] = []
    start = threading.Barrier(len(workers))

    def drain(index: int) -> None:
        start.wait()
        ran.append(workers[index].run_due())

    threads = [threading.Thread(target=drain, args=(index,)) for index in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()

    assert sum(ran) == JOBS
    message_ids = [message["Message-ID"] for message in smtp_server.inbox.messages]
    assert len(message_ids) == JOBS
    assert len(set(message_ids)) == JOBS  # none twice
    assert {message["Subject"] for message in smtp_server.inbox.messages} == {
        f"Number {number}" for number in range(JOBS)
    }
    with Session(mail_engine) as session:
        assert {(job.status, job.attempts) for job in session.exec(select(Job))} == {
            (JobStatus.done, 1)
        }


def test_a_job_whose_worker_died_is_claimed_again_after_the_5_minute_lease(
    mail_engine: Engine, smtp_server: SmtpServer, clock: Clock, tmp_path: Path
) -> None:
    queue_numbered_mail(mail_engine, 1)
    dead = claim_next(mail_engine, now=clock)  # claimed, then the worker died
    assert dead is not None
    assert dead.claimed_until == clock() + timedelta(minutes=5)
    worker = worker_for(mail_engine, tmp_path, smtp_server, clock)

    clock.advance(timedelta(minutes=4, seconds=59))
    assert worker.run_due() == 0
    clock.advance(timedelta(seconds=1))
    assert worker.run_due() == 1

    assert len(smtp_server.inbox.messages) == 1
    assert complete(mail_engine, dead, now=clock) is False  # the late worker's outcome is ignored
    with Session(mail_engine) as session:
        job = session.exec(select(Job)).one()
    assert (job.status, job.attempts) == (JobStatus.done, 2)


def test_a_job_of_an_unknown_kind_fails_its_attempt(
    mail_engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    with unit_of_work(mail_engine) as session:
        enqueue(session, "webhook.nobody", {})
    assert worker_for(mail_engine, tmp_path, None, clock).run_due() == 1
    with Session(mail_engine) as session:
        job = session.exec(select(Job)).one()
    assert job.status == JobStatus.pending
    assert job.last_error == "LookupError: no handler for jobs of kind 'webhook.nobody'"


def worker_environment(engine: Engine, tmp_path: Path, smtp: SmtpServer) -> dict[str, str]:
    return {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "VAR_DIR": str(tmp_path),
        "SMTP_URL": smtp.url,
        "MAIL_FROM": "Peer Support <peer-support@hospital.example.org>",
        "ENVIRONMENT": "test",
    }


def test_the_worker_command_once_drains_the_queue(
    mail_engine: Engine,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    queue_numbered_mail(mail_engine, 3)
    for name, value in worker_environment(mail_engine, tmp_path, smtp_server).items():
        monkeypatch.setenv(name, value)

    assert main(["worker", "--once"]) == 0

    assert capsys.readouterr().out == "Ran 3 background jobs.\n"
    assert len(smtp_server.inbox.messages) == 3


def test_the_worker_command_refuses_a_bad_smtp_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMTP_URL", "http://mail.example.org")

    assert main(["worker", "--once"]) == 1

    error = capsys.readouterr().err
    assert error.startswith("peer-support: error: SMTP_URL: SMTP_URL must look like smtp://")


def test_the_worker_sends_while_running_and_stops_cleanly_on_sigterm(
    mail_engine: Engine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {**os.environ, **worker_environment(mail_engine, tmp_path, smtp_server)}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", "--poll-seconds", "0.2"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Worker started")
        queue_numbered_mail(mail_engine, 2)
        assert smtp_server.inbox.wait_for(2, timeout=60)
        assert len(smtp_server.inbox.messages) == 2
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert out == "Worker stopped.\n"


def test_a_claim_locks_the_row_skipping_locked_ones_or_takes_sqlites_write_lock(
    mail_engine: Engine, clock: Clock
) -> None:
    queue_numbered_mail(mail_engine, 1)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(mail_engine, "before_cursor_execute", record)
    try:
        assert claim_next(mail_engine, now=clock) is not None
    finally:
        event.remove(mail_engine, "before_cursor_execute", record)

    claim = next(statement for statement in statements if "FROM job" in statement)
    if mail_engine.dialect.name == "postgresql":
        assert claim.rstrip().endswith("FOR UPDATE SKIP LOCKED")
    else:
        assert statements[0] == "BEGIN IMMEDIATE"
