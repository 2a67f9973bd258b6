"""An embed origin is `scheme://host[:port]` and nothing else: the setting goes straight into
the embed's `frame-ancestors` header, so anything more could end the directive and add another."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.program_settings.embed_origins import frame_ancestor_origins, is_embed_origin
from domain.program_settings.models import ProgramSettingsUpdate

ORIGINS = [
    "https://intranet.example.org",
    "http://localhost:8080",
    "http://127.0.0.1:5000",
    "https://wellness.hospital-1.example.org",
    "https://a.org:1",
    "https://a.org:65535",
    "http://[::1]:8080",
]
NOT_ORIGINS = [
    "https://a.org;script-src *",
    "https://a.org; script-src *",
    "https://a.org/path",
    "https://a.org/",
    "https://a.org ",
    " https://a.org",
    "https://a.org https://b.org",
    "https://a.org,https://b.org",
    "*",
    "https://*.a.org",
    "https://*",
    "ftp://a.org",
    "javascript://a.org",
    "https://a.org:0",
    "https://a.org:65536",
    "https://a.org:080",
    "https://a.org:",
    "https://user@a.org",
    "https://user:pass@a.org",
    "https://a.org?x=1",
    "https://a.org#top",
    "https://a.org'",
    'https://a.org"',
    "'self'",
    "'none'",
    "https://Intranet.Example.org",
    "HTTPS://a.org",
    "https://",
    "intranet.example.org",
    "https://-a.org",
    "https://a..org",
    "https://a.org\n",
    "https://a.org\r\nX-Injected: 1",
    "https://ä.org",
    "",
]


@pytest.mark.parametrize("origin", ORIGINS)
def test_an_origin_passes(origin: str) -> None:
    assert is_embed_origin(origin)
    assert ProgramSettingsUpdate(embed_origins=[origin]).embed_origins == [origin]


@pytest.mark.parametrize("text", NOT_ORIGINS)
def test_anything_more_or_less_than_an_origin_is_refused(text: str) -> None:
    assert not is_embed_origin(text)
    with pytest.raises(ValidationError, match="is not an origin"):
        ProgramSettingsUpdate(embed_origins=["https://ok.example.org", text])


def test_an_upper_case_host_is_refused_with_the_way_to_write_it() -> None:
    with pytest.raises(ValidationError, match="lower case"):
        ProgramSettingsUpdate(embed_origins=["https://Intranet.example.org"])


def test_the_header_gets_only_stored_values_that_are_origins_each_once() -> None:
    """A value stored before the rule existed (or written straight into the database)."""
    stored = [
        "https://a.org; script-src *",
        "https://intranet.example.org",
        "*",
        "https://intranet.example.org",
        "http://localhost:8080",
    ]

    assert frame_ancestor_origins(stored) == [
        "https://intranet.example.org",
        "http://localhost:8080",
    ]
