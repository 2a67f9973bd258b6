"""The `peer-support` command: migrate, serve, worker, create-user, create-api-client, demo,
purge, audit verify.

Bad input ends with one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from domain.actors import Actor
from domain.api_clients.models import ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.audit.sealing import verify_stored_chain
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.db import READ_ONLY, make_engine, unit_of_work
from domain.errors import DomainError
from domain.jobs.worker import DEFAULT_POLL_SECONDS
from domain.maintenance.purge import purge_expired
from domain.migrations import current_revision, is_at_head, upgrade_to_head
from domain.settings import Settings, SettingsError, load_settings
from domain.users.models import UserCreate
from domain.users.service import create_user, issue_setup_token
from domain.web_sessions.service import issue_password_link

PROGRAM = "peer-support"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class CliError(Exception):
    """A one-line message for the person at the terminal."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def poll_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0.1-3600)")
    return value


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROGRAM, description="Peer support program software.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    serve = commands.add_parser("serve", help="serve the app (prints a setup link on first run)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=port_number, default=DEFAULT_PORT, help="port (8000)")
    serve.add_argument(
        "--with-worker",
        action="store_true",
        help="also run one background worker (mail) beside the server; both stop together",
    )
    worker = commands.add_parser(
        "worker", help="run background jobs (mail, session reminders) until stopped"
    )
    worker.add_argument(
        "--once", action="store_true", help="run what is due now, then exit (tests, cron)"
    )
    # Set by `serve --with-worker`: the worker stops when this process (its parent) is gone.
    worker.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    worker.add_argument(
        "--poll-seconds",
        type=poll_seconds,
        default=DEFAULT_POLL_SECONDS,
        help=f"how long to wait when nothing is due (default {DEFAULT_POLL_SECONDS:g})",
    )
    user = commands.add_parser("create-user", help="create a user with one or more roles")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True, help="the name people see")
    user.add_argument(
        "--role",
        required=True,
        action="append",
        choices=[r.value for r in Role],
        help="a role; repeat for several",
    )
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    client = commands.add_parser("create-api-client", help="create an API client for a system")
    client.add_argument("--name", required=True, help="what the system is, e.g. 'HR warehouse'")
    client.add_argument(
        "--scope",
        required=True,
        action="append",
        choices=[s.value for s in ApiScope],
        help="a scope; repeat for several",
    )
    demo = commands.add_parser("demo", help="load a realistic demo program")
    demo.add_argument("--force", action="store_true", help="replace the data already there")
    commands.add_parser(
        "purge",
        help="delete expired page sessions, kept forms, password links, idempotency records and "
        "sign-in counters (the server also does this every hour)",
    )
    audit = commands.add_parser("audit", help="check the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    audit_commands.add_parser(
        "verify", help="check that no audit event was changed or removed since it was written"
    )
    return parser


def database_label(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def migrated_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    if not is_at_head(engine):
        raise CliError(f"the database is not migrated: run `{PROGRAM} migrate` first")
    return engine


def run_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    engine = make_engine(settings.database_url)
    upgrade_to_head(engine)
    print(f"Database {database_label(settings)} is at revision {current_revision(engine)}.")


def run_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app

    engine = migrated_engine(settings)
    with unit_of_work(engine) as session:
        token = issue_setup_token(session)
    if token:
        shown_host = DEFAULT_HOST if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
        print(
            "\nNo user exists yet. Create the first admin (this link works once, for 1 hour):\n"
            f"    http://{shown_host}:{args.port}/setup/{token}\n",
            flush=True,
        )
    worker = start_worker_process() if args.with_worker else None
    # uvicorn restores the SIGTERM handler it found and raises the signal again once it has
    # shut down: the default handler would end this process before `finally` stops the worker.
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        # The app honours X-Forwarded-For itself (FORWARDED_ALLOW_IPS); uvicorn's own default
        # would trust 127.0.0.1 whatever the setting says.
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level=settings.log_level,
            proxy_headers=False,
        )
    finally:
        if worker is not None:
            stop_worker_process(worker)


def exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(128 + signal.SIGTERM)


WORKER_STOP_SECONDS = 40  # a send in progress may take up to its 30 s timeout
log = logging.getLogger("peer_support.cli")


@dataclass
class WorkerProcess:
    """The worker child of `serve --with-worker`, and whether we asked it to stop."""

    process: subprocess.Popen[bytes]
    stopping: threading.Event


def start_worker_process() -> WorkerProcess:
    """`peer-support worker` as a child process: Ctrl-C reaches both (same process group); it
    stops by itself when this process is gone (`--parent-pid`), and its unexpected end is
    reported loudly on stderr."""
    command = [sys.executable, "-m", "api.cli", "worker", "--parent-pid", str(os.getpid())]
    process = subprocess.Popen(command)  # noqa: S603 (our own fixed command)
    worker = WorkerProcess(process=process, stopping=threading.Event())
    threading.Thread(target=report_unexpected_exit, args=(worker,), daemon=True).start()
    return worker


def report_unexpected_exit(worker: WorkerProcess) -> None:
    code = worker.process.wait()
    if not worker.stopping.is_set():
        message = (
            f"THE BACKGROUND WORKER STOPPED UNEXPECTEDLY (exit code {code}): no mail or "
            f"reminders go out until {PROGRAM} is restarted."
        )
        log.error(message)
        print(f"{PROGRAM}: error: {message}", file=sys.stderr, flush=True)


def stop_worker_process(worker: WorkerProcess) -> None:
    worker.stopping.set()
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGTERM)
    try:
        worker.process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait()


PARENT_CHECK_SECONDS = 1.0


def stop_when_parent_is_gone(parent_pid: int, stop: threading.Event) -> None:
    """Set `stop` once `parent_pid` is no longer this process's parent (it died: the child is
    handed to another process). On Linux the kernel also sends SIGTERM then (PDEATHSIG)."""
    if sys.platform == "linux":
        try:
            import ctypes

            pr_set_pdeathsig = 1
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while not stop.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                logging.getLogger("peer_support.worker").warning(
                    "The server (pid %s) is gone; the worker stops too", parent_pid
                )
                stop.set()

    if os.getppid() != parent_pid:
        stop.set()
        return
    threading.Thread(target=watch, daemon=True).start()


def run_worker(settings: Settings, args: argparse.Namespace) -> None:
    from domain.jobs.worker import Worker

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine = migrated_engine(settings)
    worker = Worker(engine=engine, settings=settings)
    if args.once:
        ran = worker.run_due()
        print(f"Ran {ran} background jobs.")
        return
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        logging.getLogger("peer_support.worker").info(
            "Stopping after the job in hand (%s)", signal.Signals(signum).name
        )
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if args.parent_pid is not None:
        stop_when_parent_is_gone(args.parent_pid, stop)
    mail = "SMTP_URL" if settings.smtp_url else "the log (no SMTP_URL set)"
    print(f"Worker started: mail goes to {mail}; Ctrl-C stops it.", flush=True)
    worker.run_forever(stop, poll_seconds=args.poll_seconds)
    print("Worker stopped.", flush=True)


def read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CliError("--password-stdin was given but standard input had no password")
    return line


def run_create_user(settings: Settings, args: argparse.Namespace) -> None:
    password = read_password() if args.password_stdin else None
    data = UserCreate(email=args.email, display_name=args.name, roles=args.role, password=password)
    with unit_of_work(migrated_engine(settings)) as session:
        user = create_user(session=session, actor=Actor.operator(), data=data)
        roles = ", ".join(sorted(user.roles))
        print(f"Created user {user.id}: {user.email} ({roles}).")
        if password is None:
            assert user.id is not None
            token = issue_password_link(session=session, actor=Actor.operator(), user_id=user.id)
            print(
                "Send them this link to choose a password (it works once, for 3 days):\n"
                f"    {settings.public_url.rstrip('/')}/set-password/{token}"
            )


def run_create_api_client(settings: Settings, args: argparse.Namespace) -> None:
    data = ApiClientCreate(name=args.name, scopes=args.scope)
    with unit_of_work(migrated_engine(settings)) as session:
        client, secret = create_api_client(session=session, actor=Actor.operator(), data=data)
        scopes = " ".join(sorted(client.scopes))
        print(
            f"Created API client {client.id} ({client.name}) with scopes: {scopes}\n"
            f"  client_id:     {client.client_id}\n"
            f"  client_secret: {secret}\n"
            "The secret is shown only now; store it in the system's secret store."
        )


def run_demo(settings: Settings, args: argparse.Namespace) -> None:
    from domain.demo import load_demo_program

    with unit_of_work(migrated_engine(settings)) as session:
        summary = load_demo_program(session, force=args.force)
    print(
        f"Loaded the demo program: {summary.supporters} supporters in {summary.org_units} "
        f"org units, {summary.sessions} sessions, {summary.encounters} encounters.\n"
        "Sign in as:"
    )
    for login in summary.logins:
        print(f"  {login.role:<16} {login.email:<40} password: {login.password}")


def run_purge(settings: Settings, _args: argparse.Namespace) -> None:
    with unit_of_work(migrated_engine(settings)) as session:
        counts = purge_expired(session, utcnow())
    print("Deleted expired rows:")
    for kind, count in counts.items():
        print(f"  {kind:<20} {count}")


def run_audit(settings: Settings, args: argparse.Namespace) -> None:
    assert args.audit_command == "verify"
    with migrated_engine(settings).connect().execution_options(**READ_ONLY) as connection:
        report = verify_stored_chain(connection)
    if report.first_break:
        event_id, reason = report.first_break.event_id, report.first_break.reason
        raise CliError(
            f"the audit chain breaks at event {event_id}: {reason} "
            f"({report.verified} events before it verified)"
        )
    head = f"; head: seq {report.head.seq}, hash {report.head.hash}" if report.head else ""
    print(f"Audit chain intact: {report.verified} events verified{head}.")


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], None]] = {
    "migrate": run_migrate,
    "serve": run_serve,
    "worker": run_worker,
    "create-user": run_create_user,
    "create-api-client": run_create_api_client,
    "demo": run_demo,
    "purge": run_purge,
    "audit": run_audit,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        COMMANDS[args.command](settings, args)
    except (CliError, SettingsError, DomainError) as error:
        return fail(str(error))
    except ValidationError as error:
        return fail(option_message(error))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        return fail(f"database error: {reason}")
    except KeyboardInterrupt:
        return 130
    return 0


OPTION_OF_FIELD = {
    "display_name": "--name",
    "roles": "--role",
    "email": "--email",
    "password": "--password-stdin",
    "scopes": "--scope",
    "name": "--name",
}


def option_message(error: ValidationError) -> str:
    """A validation error named by the option the person typed."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = OPTION_OF_FIELD.get(field, field)
    return f"{option}: {first['msg'].removeprefix('Value error, ')}"


def fail(message: str) -> int:
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
