"""The demo as people see it: its crisis button reaches the EAP, also signed out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.demo import DEMO_EAP, load_demo_program
from web.rendering import dial


def test_the_demo_crisis_panel_calls_the_eap(client: TestClient, db: Session) -> None:
    load_demo_program(db)

    page = client.get("/")

    header = page.text.split('<header class="site-header">')[1].split("</header>")[0]
    entry = header.split("Employee Assistance Program (EAP)")[1].split("</li>")[0]
    call = entry.split('href="tel:')[1].split('"')[0]
    assert dial(call) == dial(DEMO_EAP["phone"])
    assert f"Call {DEMO_EAP['phone']}" in entry
