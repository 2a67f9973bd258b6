"""The published API contract is committed; any change to it must be deliberate.

After an intended change, refresh the snapshot and review its diff:
    UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest tests/api/test_openapi_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi-v1.json"


def test_the_openapi_document_matches_the_committed_snapshot(client: TestClient) -> None:
    current = client.get("/api/v1/openapi.json").json()
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    committed = json.loads(SNAPSHOT.read_text())
    assert current == committed, (
        "The API contract changed. If that is intended, refresh the snapshot "
        "(see this file's docstring) and review the diff; otherwise undo the change."
    )


def test_every_operation_is_documented(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), f"{where} has no summary"
            assert operation.get("tags"), f"{where} has no tag"
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), f"{where} documents no success"
            assert statuses & {"400", "401", "403", "404", "422"}, f"{where} documents no error"
