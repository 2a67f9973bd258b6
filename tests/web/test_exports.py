"""CSV downloads never carry a live spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest

from web.exports import csv_download, csv_text


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_a_cell_that_starts_like_a_formula_is_written_as_text(cell: str) -> None:
    written = list(csv.reader(io.StringIO(csv_text(["value"], [[cell]]))))
    assert written[1] == ["'" + cell]


def test_plain_text_and_numbers_are_written_as_they_are() -> None:
    written = list(csv.reader(io.StringIO(csv_text(["name", "count"], [["Nurse", 12], ["", 0]]))))
    assert written == [["name", "count"], ["Nurse", "12"], ["", "0"]]


def test_a_download_is_an_uncached_utf8_attachment() -> None:
    response = csv_download("report.csv", ["a"], [["é"]])
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="report.csv"'
    assert response.headers["cache-control"] == "no-store"
    assert bytes(response.body).decode("utf-8") == "a\r\né\r\n"
