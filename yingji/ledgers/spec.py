"""Describing a ledger (台账) as data: its columns, natural key and limits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

# Synchronous imports are for foundation-sized ledgers (people, teams, supplies of one
# township). Settings may raise or lower them; a ledger may set its own.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000


class CellError(ValueError):
    """A cell's value is wrong; the message says what to fix (shown next to row and column)."""


class RowError(Exception):
    """A row cannot be imported; raised by a registry's importer, naming the column at fault.

    `column` is a column key of the ledger, or "" when the whole row is at fault.
    """

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Column:
    """One column of a ledger.

    `parse` turns the cell's text (already stripped, never empty) into the value the
    importer receives, or raises `CellError` / Django's `ValidationError` with a message
    that says how to fix it. Without `parse`, a column with `choices` checks membership
    and others pass the text through. `text` columns hold long digit strings (mobiles, ID
    numbers, codes): they are written as Excel text and a number Excel already rounded is
    reported instead of imported. `mask` hides sensitive values in error reports.
    """

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    required: bool = False
    choices: Sequence[str] | Callable[[], Sequence[str]] | None = None
    example: str = ""
    help: str = ""
    width: int = 14
    text: bool = False
    max_length: int | None = None
    mask: Callable[[str], str] | None = None
    importable: bool = True
    exportable: bool = True

    def choice_values(self) -> list[str]:
        if self.choices is None:
            return []
        values = self.choices() if callable(self.choices) else self.choices
        return [str(v) for v in values]


@dataclass(frozen=True)
class Ledger:
    """A ledger: ordered columns, the natural key that identifies a row, and limits.

    `natural_key` names the columns whose values identify one record; two rows of a file
    with the same key are reported as duplicates. `field_columns` maps model field names
    in an action's `ValidationError` to the column that should be fixed. `notes` are extra
    lines for the instructions sheet.
    """

    name: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...] = ()
    field_columns: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    max_bytes: int | None = None
    max_rows: int | None = None

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: duplicate column keys")
        unknown = set(self.natural_key) - set(keys)
        if unknown:
            raise ValueError(f"{self.name}: natural key names unknown columns {sorted(unknown)}")

    @property
    def byte_limit(self) -> int:
        default: int = getattr(settings, "LEDGER_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
        return self.max_bytes or default

    @property
    def row_limit(self) -> int:
        default: int = getattr(settings, "LEDGER_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
        return self.max_rows or default

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.exportable]

    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if c.importable]

    def header_of(self, key: str) -> str:
        """The header a problem is reported under (a field's column, or the key itself)."""
        key = self.field_columns.get(key, key)
        try:
            return self.column(key).header
        except KeyError:
            return ""
