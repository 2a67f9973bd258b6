"""Which sites may frame the embeddable directory: a list of origins, written into the embed's
`Content-Security-Policy: frame-ancestors` header.

Rules:
- `is_embed_origin`: an origin is `scheme://host[:port]` and nothing else. The scheme is http or
  https, the host lower-case letters, digits, dots and hyphens (or an IPv6 literal in brackets),
  the port 1 to 65535. No path (not even "/"), query, fragment, user, space, `;`, `,`, quote or
  wildcard: any of these would either never match a browser's origin or, worse, end the
  directive and add one of the writer's choosing (`https://a.org; script-src *`).
- `frame_ancestor_origins`: what goes into the header is the stored list filtered by that same
  rule, so a value stored before the rule existed never reaches a header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMBED_ORIGIN_EXAMPLE = "https://intranet.example.org"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
)
HIGHEST_PORT = 65535


def is_embed_origin(text: str) -> bool:
    """`scheme://host[:port]` with scheme http or https and a port from 1 to 65535."""
    found = _ORIGIN.fullmatch(text)
    if found is None or len(text) > 300:
        return False
    port = found.group("port")
    return port is None or int(port) <= HIGHEST_PORT


def embed_origin_problem(text: str) -> str | None:
    """Why `text` is not an embed origin (a sentence tail for the form and the API), or None."""
    if is_embed_origin(text):
        return None
    if is_embed_origin(text.lower()):
        return f"{text!r} is not an origin: write it in lower case, like {EMBED_ORIGIN_EXAMPLE}"
    return (
        f"{text!r} is not an origin like {EMBED_ORIGIN_EXAMPLE} or http://localhost:8080 "
        "(http or https, a host and maybe a port; no path, spaces or wildcards)"
    )


def frame_ancestor_origins(stored: Iterable[str]) -> list[str]:
    """The stored origins that are origins, in order, each once."""
    return list(dict.fromkeys(origin for origin in stored if is_embed_origin(origin)))
