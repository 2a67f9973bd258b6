"""Inviting and importing supporters against a real server, at the same moment: the unique
email decides, so the same email invited twice at once makes one user (the other request gets
a field error, never a 500), and overlapping imports at once make each person once."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import httpx
from sqlmodel import Session, col, func, select

from domain.codes import Role
from domain.supporters.models import Supporter
from domain.users.models import User
from domain.users.passwords import hash_password
from tests.factories import make_user
from tests.live.server import LiveServer, at_once
from web.session import SIGN_IN_CHECK_COOKIE, SIGN_IN_CHECK_FIELD

PASSWORD = "a live roster passphrase"
HEADER = "email,name,profession,org unit\n"


def coordinator_browser(server: LiveServer) -> tuple[httpx.Client, str]:
    """A coordinator signed in through the sign-in page, and their CSRF token."""
    password_hash = hash_password(PASSWORD)

    def make(session: Session) -> str:
        return make_user(session, roles=(Role.coordinator,), password_hash=password_hash).email

    email = server.seed(make)
    http = server.client()
    check = "a-sign-in-check-for-the-roster"
    http.cookies.set(SIGN_IN_CHECK_COOKIE, check, path="/sign-in")
    signed_in = http.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, SIGN_IN_CHECK_FIELD: check},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    form = http.get("/roster/invite")
    assert form.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None
    return http, found.group(1)


def users_and_profiles(server: LiveServer, emails: list[str]) -> Counter[str]:
    """How many users, and profiles of them, each email has on the server."""
    with Session(server.engine) as session:
        users = session.exec(select(User.email).where(col(User.email).in_(emails))).all()
        profiles = session.exec(
            select(func.count())
            .select_from(Supporter)
            .join(User, col(User.id) == col(Supporter.user_id))
            .where(col(User.email).in_(emails))
        ).one()
    counted = Counter(users)
    counted["profiles"] = profiles
    return counted


def test_the_same_email_invited_at_once_makes_one_user(live_server: LiveServer) -> None:
    http, csrf = coordinator_browser(live_server)
    email = "twice.at.once@hospital.example.org"
    form = {"csrf_token": csrf, "email": email, "display_name": "Twice", "profession_code": "nurse"}
    try:
        answers = at_once(6, lambda _: http.post("/roster/invite", data=form))
    finally:
        http.close()
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == Counter({200: 1, 422: 5}), [a.text[-500:] for a in answers]
    for answer in answers:
        if answer.status_code == 422:
            assert f'id="email-error">A user with the email {email} exists already.' in answer.text
        else:
            assert "/set-password/" in answer.text
    assert users_and_profiles(live_server, [email]) == Counter({email: 1, "profiles": 1})


def test_overlapping_imports_at_once_make_each_person_once(live_server: LiveServer) -> None:
    http, csrf = coordinator_browser(live_server)
    emails = [f"import.race{n}@hospital.example.org" for n in range(10)]
    files = [
        emails[0:6],
        emails[4:10],
        emails[::-1],  # all ten, in the other order
        emails[2:8],
    ]

    def text_of(chosen: list[str]) -> str:
        return HEADER + "".join(f"{email},Person {email[11]},nurse,\n" for email in chosen)

    try:
        # The previews first (each checks its file); then every apply at once.
        previews = [
            http.post(
                "/roster/import",
                data={"csrf_token": csrf},
                files={"file": ("roster.csv", text_of(chosen).encode(), "text/csv")},
            )
            for chosen in files
        ]
        carried = []
        for preview in previews:
            assert preview.status_code == 200, preview.text[-500:]
            found = re.search(r'name="csv_text" value="([^"]*)"', preview.text)
            assert found is not None
            carried.append(unescape(found.group(1)))
        answers = at_once(
            len(files),
            lambda n: http.post(
                "/roster/import/apply", data={"csrf_token": csrf, "csv_text": carried[n]}
            ),
        )
    finally:
        http.close()
    assert [answer.status_code for answer in answers] == [200] * len(files), [
        a.text[-500:] for a in answers
    ]
    invited = [
        int(re.search(r"(\d+) supporters? invited", answer.text).group(1))  # type: ignore[union-attr]
        for answer in answers
    ]
    assert sum(invited) == len(emails)
    counted = users_and_profiles(live_server, emails)
    assert counted == Counter({**dict.fromkeys(emails, 1), "profiles": len(emails)})
