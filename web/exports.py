"""CSV downloads: what a page shows, as a file a spreadsheet opens safely.

A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) would run as a formula
in a spreadsheet (CSV injection, `=HYPERLINK(...)`); such text cells get a leading apostrophe.
Numbers are written as numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CsvCell = str | int | float | None


def neutralised(cell: CsvCell) -> CsvCell:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[CsvCell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralised(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
    return buffer.getvalue()


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[CsvCell]]
) -> Response:
    """An attachment, never cached (exports hold the program's figures)."""
    return Response(
        content=csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
