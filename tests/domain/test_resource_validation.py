"""What a directory entry may hold (issue 9, item 1): phone and text numbers a phone can dial,
web addresses over http and https only, email addresses, keywords without commas. The rules
live in the schemas, so the API and the curation pages refuse the same input."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from domain.demo import LOCAL_RESOURCES
from domain.resources.models import (
    KEYWORD_COMMA_MESSAGE,
    PHONE_MESSAGE,
    WEB_ADDRESS_MESSAGE,
    Resource,
    ResourceCreate,
    ResourceUpdate,
    is_web_address,
)

REAL_NUMBERS = ["988", "741741", "1-888-409-0141", "(555) 555-0142", "+1 555.555.0100", "911"]
NOT_NUMBERS = ["abc", "12", "call me", "1-800-HELP", "", "   ", "+", "()-.", "5 5", "555_0142"]
WEB_ADDRESSES = ["https://example.org", "http://intranet.example.org/eap?x=1#hours"]
NOT_WEB_ADDRESSES = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example.org",
    "file:///etc/passwd",
    "example.org",
    "//example.org",
    "mailto:eap@example.org",
    "https:example.org",
]


def messages(schema: type[Any], **values: Any) -> list[str]:
    try:
        schema.model_validate(values)
    except ValidationError as error:
        return [str(problem["msg"]) for problem in error.errors()]
    return []


def entry(**values: Any) -> dict[str, Any]:
    return {"title": "Counseling", "category": "counseling", **values}


@pytest.mark.parametrize("number", REAL_NUMBERS)
@pytest.mark.parametrize("field", ["phone", "text_number"])
def test_real_numbers_pass(field: str, number: str) -> None:
    assert getattr(ResourceCreate.model_validate(entry(**{field: number})), field) == number
    assert getattr(ResourceUpdate.model_validate({field: number}), field) == number


@pytest.mark.parametrize("number", NOT_NUMBERS)
@pytest.mark.parametrize("field", ["phone", "text_number"])
def test_anything_else_is_no_number(field: str, number: str) -> None:
    assert messages(ResourceCreate, **entry(**{field: number})) == [f"Value error, {PHONE_MESSAGE}"]
    assert messages(ResourceUpdate, **{field: number}) == [f"Value error, {PHONE_MESSAGE}"]


def test_a_number_loses_its_surrounding_spaces_and_stays_within_40_characters() -> None:
    assert ResourceCreate.model_validate(entry(phone="  988 ")).phone == "988"
    assert ResourceCreate.model_validate(entry(phone="1" * 40)).phone == "1" * 40
    assert messages(ResourceCreate, **entry(phone="1" * 41)) == [
        "Value error, keep the phone number to 40 characters"
    ]


def test_the_seeded_and_demo_numbers_are_valid(db: Session) -> None:
    """Every number the migrations seed stays valid under the rule."""
    numbered = col(Resource.phone).is_not(None) | col(Resource.text_number).is_not(None)
    rows = db.exec(select(Resource).where(numbered)).all()
    assert rows
    for row in rows:
        ResourceUpdate(phone=row.phone, text_number=row.text_number)


def test_the_demo_directory_is_valid() -> None:
    assert LOCAL_RESOURCES
    for _days, values in LOCAL_RESOURCES:
        ResourceCreate.model_validate(values)


@pytest.mark.parametrize("address", WEB_ADDRESSES)
def test_http_and_https_addresses_pass(address: str) -> None:
    assert str(ResourceCreate.model_validate(entry(url=address)).url).startswith(address)


@pytest.mark.parametrize("address", NOT_WEB_ADDRESSES)
def test_other_schemes_are_refused(address: str) -> None:
    assert messages(ResourceCreate, **entry(url=address)) == [f"Value error, {WEB_ADDRESS_MESSAGE}"]
    assert messages(ResourceUpdate, url=address) == [f"Value error, {WEB_ADDRESS_MESSAGE}"]


@pytest.mark.parametrize("address", WEB_ADDRESSES)
def test_the_web_address_rule_reads_stored_text_and_validated_addresses_alike(
    address: str,
) -> None:
    """One rule for the schema, the HSDS export and the card: the card gets a `str` from the
    database and a pydantic `HttpUrl` in the curation preview."""
    validated = ResourceCreate.model_validate(entry(url=address)).url
    assert not isinstance(validated, str)
    assert is_web_address(validated)
    assert is_web_address(address)
    assert is_web_address(" HTTPS://EXAMPLE.ORG ")


@pytest.mark.parametrize("address", [*NOT_WEB_ADDRESSES, None, ""])
def test_the_web_address_rule_refuses_every_other_scheme(address: str | None) -> None:
    assert not is_web_address(address)


def test_a_web_address_fits_its_column() -> None:
    base = "https://example.org/"
    assert ResourceCreate.model_validate(entry(url=base + "a" * (500 - len(base))))
    assert messages(ResourceCreate, **entry(url=base + "a" * (501 - len(base))))


@pytest.mark.parametrize("address", ["nobody", "a@", "@example.org", "a b@example.org"])
def test_emails_are_checked(address: str) -> None:
    assert messages(ResourceCreate, **entry(email=address))
    assert ResourceCreate.model_validate(entry(email="eap@example.org")).email == "eap@example.org"


def test_keywords_are_distinct_and_hold_no_comma() -> None:
    data = ResourceCreate.model_validate(entry(keywords=["EAP", "sleep", "eap", " insomnia "]))
    assert data.keywords == ["EAP", "sleep", "insomnia"]
    assert messages(ResourceCreate, **entry(keywords=["sleep, insomnia"])) == [
        f"Value error, {KEYWORD_COMMA_MESSAGE}"
    ]
