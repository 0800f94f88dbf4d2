"""CSV files people open in a spreadsheet: every export (results, the product audit trail)
writes its cells through ``safe_cell`` so none of them runs as a formula (CSV injection)."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula made inert by a leading
    apostrophe (numbers stay numbers: a negative count is not text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
