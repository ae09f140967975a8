"""Bulk import of the enterprise register and of the unit tree from CSV or XLSX files.

The register comes from the Tax Department, Social Insurance or the Department of Planning
and Investment, as a spreadsheet or a CSV export. ``import_enterprises`` upserts it by tax
code (MST); ``import_units`` maintains the unit tree from (code, name, kind, parent code).

Rules, in short:

* Headers are matched in Vietnamese or English, ignoring case, diacritics, punctuation and
  spacing, through the synonyms of services/data/register_headers.csv ("Mã số thuế", "MST",
  "tax_code"; "Đã đóng KPCĐ"; "Phường/Xã" ...). Unknown columns are ignored and listed; one
  whose header resembles a known one is also a warning in the summary, as its data is lost.
  A header row may sit below a few title rows; the first row naming the required columns is
  the header.
* Flags accept the yes/no spellings of services/data/yes_no.csv (có/không, x, 1/0,
  TRUE/FALSE, đã đóng/chưa ...); an empty cell is no.
* The ward is given by its unit code ("Mã phường") or by its name ("Phường/Xã": "Phường Tân
  Phong", "tan phong"), found among the ward unions ignoring case, diacritics and the words
  Phường/Xã/Thị trấn. An unknown or ambiguous name rejects the row, like an unknown code.
* A bad row is never dropped silently: every bad cell becomes one line of the error report
  (line; column; value; English reason; reason key), the row is rejected, and the good rows
  are imported. Rows are numbered by line everywhere (report, summary, messages): the line
  of the file as a spreadsheet numbers it, the file's first line being line 1 (so the header
  is line 1 unless title lines sit above it) and a quoted multi-line cell counting once.
  Blank lines are skipped and still counted. The summary counts data rows (below the header).
* A tax code that appears twice in a file: the first row is kept, the later one is rejected
  as "duplicate of line N".
* An unknown ward code or name rejects the row (importing it without its ward would silently
  lose the routing of every application to that enterprise, and the lead's ward).
* The file is the source of truth for the columns it contains: an empty cell clears the
  value (a flag becomes false); a column the file does not have is left untouched.
* Rows whose values are already in the database are not written at all, so re-importing a
  file changes nothing, ``updated_at`` included.
* Fatal problems (not UTF-8, empty, no header, unreadable workbook ...) raise
  ``ImportFileError`` with one clear sentence. Everything runs in the caller's transaction,
  which the caller rolls back on an exception (``engine.begin()`` and
  ``session_factory.begin()`` do); the encoding of a CSV is checked before anything is
  written.
* The file is streamed and written in batches; memory stays flat apart from the set of tax
  codes already seen in the file (for duplicates).

How it is fast (benchmarks/import_register.py, 250,000 rows):

* The loop is synchronous and runs inside ``AsyncConnection.run_sync``: one greenlet switch
  per statement, none per row. It holds the event loop while it runs, which is what a
  command-line import wants (and the cyclic garbage collector is paused meanwhile).
* A batch (``BATCH_SIZE`` rows) is parsed column by column: ``map``, ``dict.get`` and ``str``
  methods over the whole column, a batch-wide check before any per-value clean-up, and the
  general parser of a column only for the cells its fast path refuses.
* Rows are handed to the driver as tuples (no ORM objects, no per-row bind processing). On
  SQLite one multi-row ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` per batch, after one
  ``count(*)`` of the batch's tax codes already stored: inserted = batch - stored, and the
  statement's change count gives the updated rows. On PostgreSQL the stored values of the
  batch are read and compared, and only new or changed rows go to ``executemany``.
* On SQLite the page cache is enlarged for the import. A first load into an empty register
  (SQLite and PostgreSQL) sends plain INSERTs (no conflict to look for, nothing stored to
  compare) and builds its secondary indexes and the search index once at the end instead of
  row by row; on PostgreSQL the register is locked against other writers meanwhile, and its
  readers wait for the commit (DROP INDEX).

On SQLite the import holds the database's write lock until the caller commits: the bot's
own writes wait for it (busy_timeout), so large registers are best imported off-peak.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import gc
import json
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Final, Protocol, cast

from sqlalchemy import Connection, Table, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from models import Enterprise, Unit, UnitKind
from models.base import utcnow
from services import search
from services.datafiles import read_table
from services.units import UnitRow, UnitTreeError, upsert_units, ward_name_key
from services.validation import Invalid, normalize_search_key, parse_tax_code

__all__ = [
    "BATCH_SIZE",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "fast_tax_code",
    "import_enterprises",
    "import_units",
]

BATCH_SIZE: Final = 2000
MAX_KEPT_ERRORS: Final = 100  # in ImportResult.errors; the report file has all of them
HEADER_SEARCH_ROWS: Final = 20  # title rows tolerated above the header
CSV_EXTENSIONS: Final = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS: Final = frozenset({".xlsx", ".xlsm"})
NAME_MAX: Final = 255
ADDRESS_MAX: Final = 500
UNIT_CODE_MAX: Final = 40
EMPLOYEES_MAX: Final = 1_000_000
YEAR_MIN: Final = 1800
SQLITE_CACHE_KIB: Final = 32 * 1024  # the page cache while an import runs on SQLite
REPORT_HEADER: Final = ("line", "column", "value", "reason", "reason_key")


class ImportFileError(Exception):
    """The file cannot be imported at all; the message is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell (or row) of the file, as written to the error report."""

    line: int  # as a spreadsheet numbers it, the file's first line being 1
    column: str
    value: str
    reason: str
    reason_key: str


@dataclass(slots=True)
class ImportResult:
    what: str  # "enterprises", "units" or "targets"
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_KEPT_ERRORS
    report_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header_line: int = 1
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.what}: {self.rows_read:,} data rows read: {self.inserted:,} inserted, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )
        return text + summary_tail(self)


class _Summarized(Protocol):
    rejected: int
    report_path: Path | None
    header_line: int
    ignored_columns: list[str]
    warnings: list[str]


def summary_tail(result: _Summarized) -> str:
    """What every import's summary ends with: rejected rows, ignored columns, warnings."""
    text = ""
    if result.rejected:
        where = f"; see {result.report_path}" if result.report_path else ""
        text += (
            f"\n{result.rejected:,} rows were rejected and not imported{where} "
            f"(by line of the file: the header is line {result.header_line})"
        )
    if result.ignored_columns:
        text += "\nignored columns: " + ", ".join(result.ignored_columns)
    for warning in result.warnings:
        text += f"\nwarning: {warning}"
    return text


# --------------------------------------------------------------------------------------------
# Header aliases
# --------------------------------------------------------------------------------------------


def _headers(table: str) -> dict[str, tuple[str, ...]]:
    """field -> the headers that give it, in the order of services/data/register_headers.csv."""
    headers: dict[str, tuple[str, ...]] = {}
    for record in read_table("register_headers.csv"):
        if record["table"] == table:
            headers[record["field"]] = (*headers.get(record["field"], ()), record["header"])
    return headers


ENTERPRISE_HEADERS: Final = _headers("enterprises")
UNIT_HEADERS: Final = _headers("units")

ENTERPRISE_REQUIRED: Final = ("tax_code", "name")
UNIT_REQUIRED: Final = ("code", "name", "kind")

# Vietnamese and English labels of unit kinds, as search keys.
UNIT_KIND_LABELS: Final[dict[str, str]] = {
    normalize_search_key(label): kind
    for kind, labels in {
        UnitKind.CONFEDERATION: (
            "Tổng Liên đoàn Lao động Việt Nam", "Tổng LĐLĐ", "Tổng Liên đoàn", "TLĐ",
        ),
        UnitKind.PROVINCIAL_FEDERATION: (
            "LĐLĐ tỉnh", "LĐLĐ thành phố", "LĐLĐ tỉnh, thành phố", "Liên đoàn Lao động tỉnh",
            "Liên đoàn Lao động thành phố", "LĐLĐ cấp tỉnh",
        ),
        UnitKind.DISTRICT_FEDERATION: (
            "LĐLĐ quận", "LĐLĐ huyện", "LĐLĐ thị xã", "LĐLĐ quận, huyện", "LĐLĐ cấp huyện",
            "Liên đoàn Lao động quận", "Liên đoàn Lao động huyện",
        ),
        UnitKind.SECTOR_UNION: (
            "Công đoàn ngành", "CĐN", "Công đoàn viên chức", "CĐVC", "Công đoàn ngành Trung ương",
        ),
        UnitKind.INDUSTRIAL_ZONE_UNION: (
            "Công đoàn KCN", "Công đoàn khu công nghiệp", "CĐ KCN", "Công đoàn các KCN",
        ),
        UnitKind.WARD_UNION: (
            "Công đoàn xã", "Công đoàn phường", "Công đoàn xã, phường", "Công đoàn thị trấn",
            "Công đoàn xã, phường, thị trấn", "Công đoàn xã phường", "CĐ xã, phường",
        ),
        UnitKind.GRASSROOTS_UNION: ("Công đoàn cơ sở", "CĐCS", "CĐ cơ sở"),
        UnitKind.TRADE_GUILD: ("Nghiệp đoàn",),
        UnitKind.UNION_GROUP: ("Tổ công đoàn", "Tổ CĐ"),
    }.items()
    for label in (*labels, kind)
}  # fmt: skip


def _yes_no() -> tuple[dict[str, bool], dict[str, bool]]:
    """(spellings as written, in lower, upper and capitalized case; the same as search keys)
    from services/data/yes_no.csv. A key that punctuation reduces to nothing ("✓") is
    matched as written only."""
    fast: dict[str, bool] = {"": False}
    words: dict[str, bool] = {"": False}
    for record in read_table("yes_no.csv"):
        value, meaning = record["value"].strip(), record["meaning"] == "yes"
        for spelling in (value, value.lower(), value.upper(), value.capitalize()):
            fast[spelling] = meaning
        key = normalize_search_key(value)
        if key and words.setdefault(key, meaning) != meaning:
            raise ValueError(f"yes_no.csv: {value!r} means both yes and no")
    return fast, words


# The spellings as written are looked up first (no normalization for the common case).
_BOOLEAN_FAST, _BOOLEAN_WORDS = _yes_no()

REASONS: Final[dict[str, str]] = {
    "required-value-missing": "this column must not be empty",
    "invalid-tax-code-format": (
        "a tax code has 10 digits, or 13 for a branch (0100109106 or 0100109106-001)"
    ),
    "invalid-tax-code-checksum": "not a valid tax code: the check digit does not match",
    "duplicate-tax-code": "duplicate of line {line}: a tax code is imported from its first line",
    "text-too-long": "longer than {max} characters",
    "invalid-number": "not a whole number",
    "number-out-of-range": "must be between {min} and {max}",
    "invalid-year": "not a year between {min} and {max}",
    "invalid-boolean": (
        "expected yes or no: có/không, x or empty, 1/0, yes/no, true/false, đã đóng/chưa "
        "(the spellings are in services/data/yes_no.csv)"
    ),
    "unknown-ward-code": "no unit has this code; import the unit tree first or fix the code",
    "unknown-ward-name": (
        "no ward in the unit tree has this name or code; import the unit tree first, or write "
        "the ward's unit code (doanvien units --kind ward_union)"
    ),
    "ambiguous-ward-name": "several wards have this name ({codes}); write the ward's unit code",
    "unknown-unit-kind": "unknown kind; use one of: {kinds}",
    "duplicate-unit-code": "duplicate of line {line}: a unit is imported from its first line",
    "unknown-parent": "no unit has this code, neither in this file nor in the database",
    "parent-rejected": "its parent (line {line}) was rejected",
    "unit-cycle": "this parent would make a cycle: {path}",
}


def _reason(key: str, **args: object) -> str:
    return REASONS[key].format(**args)


# --------------------------------------------------------------------------------------------
# Reading CSV and XLSX
# --------------------------------------------------------------------------------------------

_SCAN_CHUNK: Final = 1 << 20
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM (Excel's "Unicode Text").

    The whole file is decoded once, in chunks, before anything is written: a wrong encoding
    stops the import with nothing done, wherever the bad byte is.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if not head:
            raise ImportFileError(f"{path.name} is empty")
        encoding = "utf-16" if head[:2] in _UTF16_BOMS else "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        lines = 1
        while True:
            chunk = handle.read(_SCAN_CHUNK)
            if encoding != "utf-16" and b"\x00" in chunk:
                line = lines + chunk.count(b"\n", 0, chunk.index(b"\x00"))
                raise ImportFileError(
                    f"{path.name} has NUL bytes (line {line}): it is not CSV text (UTF-16 "
                    "without a byte-order mark, or a binary file); save it as CSV UTF-8"
                )
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = max(exc.start, 0)
                line = lines + chunk.count(b"\n", 0, start)
                byte = chunk[start : start + 1]
                where = f"byte 0x{byte.hex().upper()} on line {line}" if byte else "at the end"
                raise ImportFileError(
                    f"{path.name} is not UTF-8 text ({where}); save it as CSV UTF-8 (in "
                    "Excel: Save As, then 'CSV UTF-8 (Comma delimited)') and import it again"
                ) from None
            if not chunk:
                return encoding
            lines += chunk.count(b"\n")


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="ignore", newline="") as handle:
        sample = handle.read(64 * 1024)
    lines = sample.splitlines()[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextlib.contextmanager
def _open_table(path: Path) -> Iterator[tuple[Iterator[Sequence[Any]], bool]]:
    """The rows of the file (lists of cells, blank rows included) and whether it is XLSX."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in CSV_EXTENSIONS:
        encoding = _csv_encoding(path)
        delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(path, encoding)
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                yield reader, False
            except csv.Error as exc:
                raise ImportFileError(
                    f"{path.name}, line {reader.line_num}: not valid CSV ({exc})"
                ) from None
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{path.name} is not UTF-8 text; save it as CSV UTF-8"
                ) from None
    elif suffix in XLSX_EXTENSIONS:
        if path.stat().st_size == 0:
            raise ImportFileError(f"{path.name} is empty")
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError(
                f"{path.name} is not a readable .xlsx workbook ({exc}); open it in Excel and "
                "save it again as .xlsx or as CSV UTF-8"
            ) from None
        try:
            sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
            rows = cast(Iterator[Sequence[Any]], sheet.iter_rows(values_only=True))
            yield rows, True
        finally:
            workbook.close()
    elif suffix == ".xls":
        raise ImportFileError(
            f"{path.name}: the old Excel format (.xls) is not supported; save it as .xlsx or "
            "as CSV UTF-8"
        )
    else:
        raise ImportFileError(
            f"{path.name}: unknown file type {suffix or '(no extension)'!r}; "
            "import a .csv (UTF-8) or .xlsx file"
        )


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _xlsx_tax_code(value: Any) -> str:
    """A tax code typed as a number loses its leading zero: 100109106 -> 0100109106."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        digits = str(value)
        if len(digits) < 10:
            return digits.zfill(10)
        if 10 < len(digits) < 13:
            return digits.zfill(13)
        return digits
    return _xlsx_text(value)


@dataclass(slots=True)
class _Header:
    row: int  # as numbered in the file
    columns: dict[str, int]  # field -> cell index
    labels: dict[str, str]  # field -> header as written in the file
    ignored: list[str]
    warnings: list[str] = field(default_factory=list)


def _header_key(text: str) -> str:
    return normalize_search_key(text)


def _match_header(
    cells: Sequence[Any], aliases: dict[str, tuple[str, ...]], row: int, path: Path
) -> _Header:
    by_key = {_header_key(alias): name for name, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        label = " ".join(_xlsx_text(cell).split())
        if not label:
            continue
        key = _header_key(label)
        name = by_key.get(key)
        if name is None and "(" in label:  # "Số lao động (người)"
            name = by_key.get(_header_key(re.sub(r"\(.*?\)", " ", label)))
        if name is None:
            ignored.append(label)
            continue
        if name in columns:
            raise ImportFileError(
                f"{path.name}: the columns {labels[name]!r} and {label!r} both give the {name}"
            )
        columns[name] = index
        labels[name] = label
    warnings = [w for label in ignored if (w := _resembles(label, by_key, aliases, labels))]
    return _Header(row, columns, labels, ignored, warnings)


# How close an ignored header must be to a known one (difflib's ratio) to be warned about.
RESEMBLANCE: Final = 0.75


def _resembles(
    label: str,
    by_key: dict[str, str],
    aliases: dict[str, tuple[str, ...]],
    matched: dict[str, str],
) -> str | None:
    """A warning when an ignored header looks like a known one: its data would be lost."""
    key = _header_key(re.sub(r"\(.*?\)", " ", label))
    close = difflib.get_close_matches(key, by_key, n=1, cutoff=RESEMBLANCE)
    if not close:
        return None
    name = by_key[close[0]]
    known = next(alias for alias in aliases[name] if _header_key(alias) == close[0])
    if name in matched:
        return (
            f"column {label!r} was ignored: it looks like {known!r} ({name}), "
            f"which column {matched[name]!r} already gives"
        )
    return (
        f"column {label!r} was ignored although it looks like {known!r} ({name}); "
        f"rename it to {aliases[name][0]!r} to import it"
    )


def _find_header(
    rows: Iterator[Sequence[Any]],
    aliases: dict[str, tuple[str, ...]],
    required: Sequence[str],
    path: Path,
) -> _Header:
    """The first row, among the first few non-blank ones, that names every required column."""
    best: _Header | None = None
    best_cells: list[str] = []
    seen = 0
    for number, cells in enumerate(rows, start=1):
        labels = [" ".join(_xlsx_text(cell).split()) for cell in cells]
        if not any(labels):
            continue
        header = _match_header(cells, aliases, number, path)
        if all(name in header.columns for name in required):
            return header
        if best is None or len(header.columns) > len(best.columns):
            best, best_cells = header, [label for label in labels if label]
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise ImportFileError(f"{path.name} is empty: no header row, no data")
    missing = [
        f"{aliases[name][0]!r} ({name}; also accepted: {', '.join(aliases[name][1:4])})"
        for name in required
        if name not in best.columns
    ]
    raise ImportFileError(
        f"{path.name}: no column {' and no column '.join(missing)} in the header row; "
        f"headers found: {', '.join(repr(label) for label in best_cells)}"
    )


# --------------------------------------------------------------------------------------------
# The error report
# --------------------------------------------------------------------------------------------


class _Report:
    """The error report, written to a temporary file renamed into place on success."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.kept: list[RowError] = []
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None
        self._tmp: str | None = None

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.kept) < MAX_KEPT_ERRORS:
            self.kept.append(error)
        if self.path is None:
            return
        if self._writer is None:
            self._open()
        self._writer.writerow(
            (error.line, error.column, error.value, error.reason, error.reason_key)
        )

    def _open(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        # BOM: Excel then opens the Vietnamese text correctly.
        self._handle = open(fd, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REPORT_HEADER)

    def finish(self) -> Path | None:
        """Put the report in place (header only when there was no error)."""
        if self.path is None:
            return None
        if self._writer is None:
            self._open()
        assert self._handle is not None and self._tmp is not None
        self._handle.close()
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)


# --------------------------------------------------------------------------------------------
# Cell parsers: the slow, general path of each column (each returns the value or raises _Bad)
# --------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


# Valid when (31·d0 + 29·d1 + 23·d2 + 19·d3 + 17·d4 + 13·d5 + 7·d6 + 5·d7 + 3·d8 + d9) mod 11
# is 10 (python-stdnum: d9 == 10 - sum mod 11); computed on the ASCII codes of the digits.
_TAX_CHECK: Final = (10 + 48 * (31 + 29 + 23 + 19 + 17 + 13 + 7 + 5 + 3 + 1)) % 11


def fast_tax_code(raw: str) -> str | None:
    """The normalized tax code, or None: ``parse_tax_code`` with a fast path (same results).

    It runs on every row of the register: for plain ASCII digits, the weighted sum of the
    check digit on the bytes, instead of NFKC, regular expressions and python-stdnum.
    """
    size = len(raw)
    if size == 10 or size == 13:
        digits = raw
    elif size == 14 and raw[10] == "-":
        digits = raw[:10] + raw[11:]
    else:
        digits = ""
    if not (digits and digits.isascii() and digits.isdigit()):
        parsed = parse_tax_code(raw)
        return None if isinstance(parsed, Invalid) else parsed.value
    d = digits.encode()
    if (
        31 * d[0] + 29 * d[1] + 23 * d[2] + 19 * d[3] + 17 * d[4]
        + 13 * d[5] + 7 * d[6] + 5 * d[7] + 3 * d[8] + d[9]
    ) % 11 != _TAX_CHECK or digits[2:9] == "0000000":  # fmt: skip
        return None
    if size == 10:
        return raw
    if digits[10:] == "000":
        return None
    return f"{digits[:10]}-{digits[10:]}"


def _tax_code_error(raw: str) -> str:
    if not raw.strip():
        return "required-value-missing"
    parsed = parse_tax_code(raw)
    return parsed.reason if isinstance(parsed, Invalid) else "invalid-tax-code-format"


def _text(raw: str, limit: int, required: bool) -> str | None:
    value = unicodedata.normalize("NFC", " ".join(raw.split()))
    if not value:
        if required:
            raise _Bad("required-value-missing")
        return None
    if len(value) > limit:
        raise _Bad("text-too-long", max=limit)
    return value


_INT_SEPARATORS_RE: Final = re.compile(r"[0-9]{1,3}(?:([., \u00a0])[0-9]{3})(?:\1[0-9]{3})*")
_NOT_DIGIT_RE: Final = re.compile(r"[^0-9]")


def _whole_number(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if value.isdecimal():
        return int(value)
    if _INT_SEPARATORS_RE.fullmatch(value):  # 1.200 or 1,200 or 1 200
        return int(_NOT_DIGIT_RE.sub("", value))
    with contextlib.suppress(ValueError, OverflowError):
        number = float(value)
        if number.is_integer():
            return int(number)
    raise _Bad("invalid-number")


def _employees(raw: str) -> int | None:
    number = _whole_number(raw)
    if number is not None and not 0 <= number <= EMPLOYEES_MAX:
        raise _Bad("number-out-of-range", min=0, max=f"{EMPLOYEES_MAX:,}")
    return number


_YEAR_RE: Final = re.compile(
    r"(?:[0-9]{1,2}[/.\-]){0,2}([0-9]{4})|([0-9]{4})-[0-9]{1,2}-[0-9]{1,2}(?:[ T].*)?"
)


def _year(raw: str) -> int | None:
    """A year, or the year of a date (15/03/2010, 2010-03-15)."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        return None
    last = date.today().year
    match = _YEAR_RE.fullmatch(value)
    year = int(match[1] or match[2]) if match else None
    if year is None or not YEAR_MIN <= year <= last:
        raise _Bad("invalid-year", min=YEAR_MIN, max=last)
    return year


def _boolean(raw: str) -> bool:
    value = _BOOLEAN_FAST.get(raw)
    if value is None:
        stripped = raw.strip()
        # "?" folds to "": only a blank cell means no.
        key = normalize_search_key(stripped) or stripped
        value = _BOOLEAN_FAST.get(stripped, _BOOLEAN_WORDS.get(key))
        if value is None:
            raise _Bad("invalid-boolean")
    return value


# --------------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------------

# The columns written, in the order of the tuples handed to the driver.
_COLUMNS: Final = (
    "tax_code",
    "name",
    "search_key",
    "address",
    "ward_unit_id",
    "employees",
    "pays_union_fee",
    "has_party_cell",
    "in_industrial_zone",
    "founded_year",
    "created_at",
    "updated_at",
)
_BOOLEAN_FIELDS: Final = ("pays_union_fee", "has_party_cell", "in_industrial_zone")
# The value a new row gets for a column the file does not have.
_ABSENT: Final[dict[str, object]] = {
    "address": None,
    "ward_unit_id": None,
    "employees": None,
    "pays_union_fee": False,
    "has_party_cell": False,
    "in_industrial_zone": False,
    "founded_year": None,
}
# Column written for a field of the file (the ward code becomes the unit's id).
_FIELD_COLUMN: Final = {"ward_code": "ward_unit_id", "ward_name": "ward_unit_id"}
_MISSING: Final = object()


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _upsert_if_changed(dialect: str, table: Table, columns: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (tax_code) DO UPDATE SET ... WHERE some column differs.

    The WHERE keeps a row whose values are all equal untouched (``updated_at`` included),
    even if it changed between the batch's read and its write.
    """
    stmt = _insert_for(dialect)(table)
    excluded = stmt.excluded
    set_ = {name: excluded[name] for name in columns}
    set_["updated_at"] = excluded["updated_at"]
    return stmt.on_conflict_do_update(
        index_elements=[table.c.tax_code],
        set_=set_,
        where=or_(*(table.c[name].is_distinct_from(excluded[name]) for name in columns)),
    )


async def import_enterprises(
    db: AsyncSession | AsyncConnection,
    path: Path,
    *,
    report_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Upsert the enterprise register from a CSV or XLSX file, in the caller's transaction.

    ``progress`` is called after every batch with the number of rows read so far.
    Raises ``ImportFileError`` for a file that cannot be imported; the caller must then roll
    back (nothing is written before the file's encoding and header are checked, but a CSV
    that breaks half-way has had its first batches written).
    """
    conn = await db.connection() if isinstance(db, AsyncSession) else db
    return await conn.run_sync(
        _import_enterprises_sync, Path(path), report_path, progress, batch_size
    )


def _import_enterprises_sync(
    conn: Connection,
    path: Path,
    report_path: Path | None,
    progress: Callable[[int], None] | None,
    batch_size: int,
) -> ImportResult:
    started = time.perf_counter()
    report = _Report(report_path)
    try:
        with _no_cyclic_gc():
            result = _EnterpriseImport(conn, path, report, progress, batch_size).run()
    except BaseException:
        report.discard()
        raise
    result.report_path = report.finish()
    result.errors = report.kept
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while the import loop runs.

    The loop allocates millions of short-lived, acyclic tuples and lists (freed by reference
    counting); each allocation burst would trigger a collection that finds nothing. Measured
    on 250,000 rows: parsing takes 2.5-3.3 s without collections, 4.5 s with. The loop holds
    the event loop, so nothing else in the process allocates meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _clean_texts(raws: list[str]) -> list[str]:
    """Each text with its whitespace collapsed and in NFC, checked for the whole batch at once.

    Exports are mostly tidy already: a few substring checks over the joined batch usually
    show that no value needs either, instead of a split, a join and a normalization per value.
    Every whitespace character but the space is non-printable, so a printable batch without
    double spaces and without spaces next to a separator has nothing to collapse.
    """
    joined = "¦".join(raws)
    if (
        not joined.isprintable()
        or "  " in joined
        or "¦ " in joined
        or " ¦" in joined
        or joined.startswith(" ")
        or joined.endswith(" ")
    ):
        texts = [" ".join(raw.split()) for raw in raws]
        joined = "¦".join(texts)
    else:
        texts = list(raws)
    if not unicodedata.is_normalized("NFC", joined):
        texts = [unicodedata.normalize("NFC", text) for text in texts]
    return texts


def _xlsx_as_text(rows: Iterator[Sequence[Any]], tax_index: int) -> Iterator[list[str]]:
    for cells in rows:
        texts = [_xlsx_text(value) for value in cells]
        if tax_index < len(cells):
            texts[tax_index] = _xlsx_tax_code(cells[tax_index])
        yield texts


class _EnterpriseImport:
    """One import: the file is read in batches, each parsed column by column.

    Column-wise parsing keeps the per-row work in C (``map``, ``dict.get``, ``str`` methods,
    list comprehensions); the general parser of a column only runs for the few cells the fast
    path does not accept, and errors are looked for only in a column that has some.
    """

    def __init__(
        self,
        conn: Connection,
        path: Path,
        report: _Report,
        progress: Callable[[int], None] | None,
        batch_size: int,
    ) -> None:
        self.conn = conn
        self.path = path
        self.report = report
        self.progress = progress
        self.batch_size = max(1, batch_size)
        self.table = cast(Table, Enterprise.__table__)
        self.result = ImportResult("enterprises")
        self.seen: dict[str | None, int] = {}  # tax code -> first row, for duplicates
        self.this_year = str(date.today().year)
        # A first load into an empty register: plain INSERTs, indexes built last.
        self.bulk = False
        # Every search key so far holds only lowercase ASCII letters, digits and spaces.
        self.plain_keys = True

    def run(self) -> ImportResult:
        with _open_table(self.path) as (rows, is_xlsx):
            header = _find_header(rows, ENTERPRISE_HEADERS, ENTERPRISE_REQUIRED, self.path)
            self.result.ignored_columns = header.ignored
            self.result.warnings = header.warnings
            self.result.header_line = header.row
            self._prepare(header)
            if is_xlsx:
                rows = _xlsx_as_text(rows, header.columns["tax_code"])
            with (
                self._sqlite_cache(),
                self._indexes_built_last(),
                search.bulk_load(self.conn) as load,
            ):
                for rows_read, records in self._batches(rows, header.row):
                    if records:
                        self._write(records)
                    if self.progress is not None:
                        self.progress(rows_read)
                load.plain_keys = self.plain_keys
        if self.result.rows_read == 0:
            raise ImportFileError(
                f"{self.path.name} has a header row but no data rows: nothing to import"
            )
        return self.result

    def _batches(
        self, rows: Iterator[Sequence[str]], number: int
    ) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        """(rows read so far, the good rows of the batch), batch after batch."""
        while chunk := list(islice(rows, self.batch_size)):
            numbers = list(range(number + 1, number + 1 + len(chunk)))
            number += len(chunk)
            records = self._parse(chunk, numbers)
            yield self.result.rows_read, records

    @contextlib.contextmanager
    def _indexes_built_last(self) -> Iterator[None]:
        """The first load into an empty register: the secondary indexes (search key, ward,
        grassroots union; on PostgreSQL those of the search too) are dropped and built once at
        the end, which is cheaper than inserting into them row by row (250,000 rows: about
        4.0 s of SQLite work → 2.9; PostgreSQL's load 19-25 s → 17 s), and the rows go in by
        plain INSERTs (``bulk``).

        Everything happens inside the import's transaction, so a rolled back import leaves
        them as they were; the unique indexes (tax code, id) stay. They are built again even
        when the import fails, in case the caller commits anyway (on PostgreSQL, unless a
        statement failed, as the transaction is then aborted).
        """
        conn = self.conn
        if self.sqlite:
            # pysqlite sends BEGIN before the first INSERT/UPDATE/DELETE only, not before DDL:
            # a DELETE that deletes nothing opens the transaction, or DROP INDEX would
            # autocommit. It also takes the write lock: the register stays as it is seen.
            conn.exec_driver_sql("DELETE FROM enterprises WHERE 0")
            listing = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                "'enterprises' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
            )
        else:
            # PostgreSQL: writers wait from here (an empty register only), so the register
            # stays empty but for the import's rows; once the indexes are dropped, readers of
            # the register wait for the commit too (it is empty until then anyway).
            if conn.exec_driver_sql("SELECT 1 FROM enterprises LIMIT 1").first() is None:
                conn.exec_driver_sql("LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE")
            listing = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                "current_schema() AND tablename = 'enterprises' AND indexdef NOT LIKE "
                "'CREATE UNIQUE%'"
            )
        if conn.exec_driver_sql("SELECT 1 FROM enterprises LIMIT 1").first():
            yield
            return
        self.bulk = True
        indexes = conn.exec_driver_sql(listing).all()
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')

        def build() -> None:
            for _name, sql in indexes:
                conn.exec_driver_sql(sql)

        with search.restored_after(conn, build):
            yield

    @contextlib.contextmanager
    def _sqlite_cache(self) -> Iterator[None]:
        """A larger page cache on SQLite while the import runs: the indexes of a big register
        no longer fit the default 2 MB, and every evicted dirty page is another WAL write."""
        if self.conn.dialect.name != "sqlite":
            yield
            return
        before = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self.conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")

    def _prepare(self, header: _Header) -> None:
        self.header = header
        self.width = max(header.columns.values()) + 1
        present = {_FIELD_COLUMN.get(f, f) for f in header.columns}
        # The columns a re-import compares and updates: only those the file has.
        self.compare = [c for c in _COLUMNS[1:-2] if c in present or c == "search_key"]
        self.fingerprint = itemgetter(*[_COLUMNS.index(c) for c in self.compare])
        conn = self.conn
        dialect = conn.dialect
        table = self.table
        compiled = _upsert_if_changed(dialect.name, table, self.compare).compile(
            dialect=dialect, column_keys=list(_COLUMNS), for_executemany=True
        )
        if tuple(compiled.positiontup or ()) != _COLUMNS:
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        # The compiled INSERT ... VALUES (<one group of parameters>) ON CONFLICT ..., taken
        # apart to send a whole batch in one statement.
        head, _, tail = compiled.string.partition(" VALUES (")
        group, _, rest = tail.partition(")")
        self.sqlite = dialect.name == "sqlite"
        if self.sqlite:
            # SQLite: a multi-row VALUES list (at most the allowed number of parameters).
            self.sqlite_insert = (f"{head} VALUES ", f"({group})", rest)
            variables = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
            self.rows_per_insert = variables // len(_COLUMNS)
            self._multirow_sql: dict[tuple[int, bool], str] = {}
            self.existing = text(
                "SELECT count(*) FROM enterprises "
                "WHERE tax_code IN (SELECT value FROM json_each(:codes))"
            )
        else:
            # PostgreSQL: INSERT ... SELECT FROM unnest(<one array per column>).
            arrays = ", ".join(f"{parameter}[]" for parameter in group.split(", "))
            self.upsert_sql = f"{head} SELECT * FROM unnest({arrays}){rest}"
            self.insert_sql = f"{head} SELECT * FROM unnest({arrays})"
            selected = ", ".join(["tax_code", *self.compare])
            self.existing = text(f"SELECT {selected} FROM enterprises WHERE tax_code = ANY(:codes)")
        # Timestamps are the same for the whole import: bound once, in the driver's form.
        now: Any = utcnow()
        processor = table.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
        self.now = processor(now) if processor else now
        for name in _COLUMNS[1:-2]:
            if name in _BOOLEAN_FIELDS:
                continue  # both drivers take Python booleans
            # Values go to the driver as they are: no column may need a bind processor.
            if table.c[name].type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise RuntimeError(f"enterprises.{name} needs a bind processor")
        self.units: dict[str, int | None] = {"": None}
        self.ward_names: dict[str, int | None] = {"": None}  # as written -> unit id
        self.wards_by_key: dict[str, dict[str, int]] = {}  # ward_name_key -> code -> id
        if "ward_code" in header.columns or "ward_name" in header.columns:
            for code, unit_id, name, kind in conn.execute(
                select(Unit.code, Unit.id, Unit.name, Unit.kind)
            ):
                self.units[code] = unit_id
                if kind == UnitKind.WARD_UNION:
                    self.wards_by_key.setdefault(ward_name_key(name), {})[code] = unit_id
        self.units_folded = {code.casefold(): unit_id for code, unit_id in self.units.items()}

    def _parse(self, chunk: list[Sequence[str]], numbers: list[int]) -> list[tuple[Any, ...]]:
        header = self.header
        columns = header.columns
        width = self.width
        if min(map(len, chunk)) < width:
            chunk = [row if len(row) >= width else [*row, *[""] * (width - len(row))]
                     for row in chunk]  # fmt: skip
        raws = list(map(itemgetter(columns["tax_code"]), chunk))
        if "" in raws:  # maybe blank rows, which are skipped
            keep = [i for i, row in enumerate(chunk) if "".join(row).strip()]
            if len(keep) < len(chunk):
                chunk = [chunk[i] for i in keep]
                numbers = [numbers[i] for i in keep]
                raws = list(map(itemgetter(columns["tax_code"]), chunk))
                if not chunk:
                    return []
        self.result.rows_read += len(chunk)
        errors: dict[int, list[RowError]] = {}
        labels = header.labels

        def flag(index: int, field_name: str, raw: str, key: str, **args: object) -> None:
            error = RowError(numbers[index], labels[field_name], raw, _reason(key, **args), key)
            errors.setdefault(index, []).append(error)

        # Tax code: valid, and the first row with it.
        taxes = list(map(fast_tax_code, raws))
        if None in taxes:
            for i, tax in enumerate(taxes):
                if tax is None:
                    flag(i, "tax_code", raws[i], _tax_code_error(raws[i]))
        seen = self.seen
        firsts = list(map(seen.setdefault, taxes, numbers))
        if firsts != numbers:
            for i, first in enumerate(firsts):
                if first != numbers[i] and taxes[i] is not None:
                    flag(i, "tax_code", raws[i], "duplicate-tax-code", line=first)
        seen.pop(None, None)

        # Name and search key.
        raws = list(map(itemgetter(columns["name"]), chunk))
        names = _clean_texts(raws)
        if not all(names) or max(map(len, names)) > NAME_MAX:
            for i, name in enumerate(names):
                if not name:
                    flag(i, "name", raws[i], "required-value-missing")
                elif len(name) > NAME_MAX:
                    flag(i, "name", raws[i], "text-too-long", max=NAME_MAX)
        keys = list(map(normalize_search_key, names))
        if max(map(len, keys)) > NAME_MAX:
            keys = [key[:NAME_MAX] for key in keys]
        if self.plain_keys:
            blob = "".join(keys).replace(" ", "")
            self.plain_keys = not blob or (
                blob.isascii() and blob.isalnum() and blob == blob.lower()
            )

        values: dict[str, Iterable[object]] = {
            "tax_code": taxes,
            "name": names,
            "search_key": keys,
            "created_at": repeat(self.now),
            "updated_at": repeat(self.now),
        }
        for field_name, index in columns.items():
            if field_name in ("tax_code", "name"):
                continue
            raws = list(map(itemgetter(index), chunk))
            if field_name == "ward_name" and "ward_code" in columns:
                # A row with a ward code is placed by it; the name fills in where it has none.
                codes = map(itemgetter(columns["ward_code"]), chunk)
                raws = ["" if code.strip() else raw for code, raw in zip(codes, raws, strict=True)]
            parsed = self._column(field_name, raws, flag)
            column = _FIELD_COLUMN.get(field_name, field_name)
            if column in values:  # the ward, from its code and from its name
                earlier = values[column]
                parsed = [a if a is not None else b for a, b in zip(earlier, parsed, strict=True)]
            values[column] = parsed
        records = list(
            zip(*[values.get(name) or repeat(_ABSENT[name]) for name in _COLUMNS], strict=False)
        )
        if errors:
            records = [record for i, record in enumerate(records) if i not in errors]
            self.result.rejected += len(errors)
            for i in sorted(errors):
                for error in errors[i]:
                    self.report.add(error)
        return records

    def _column(self, field_name: str, raws: list[str], flag: Callable[..., None]) -> list[object]:
        """The parsed values of one optional column; bad cells are flagged."""
        parsed: list[object]
        if field_name in _BOOLEAN_FIELDS:
            parsed = list(map(_BOOLEAN_FAST.get, raws))
            if None in parsed:
                slow: Callable[[str], object] = _boolean
                parsed = self._fix(parsed, None, raws, slow, field_name, flag)
        elif field_name == "ward_code":
            parsed = list(map(self.units.get, raws, repeat(_MISSING)))
            if _MISSING in parsed:
                parsed = self._fix(parsed, _MISSING, raws, self._ward, field_name, flag)
        elif field_name == "ward_name":
            parsed = list(map(self.ward_names.get, raws, repeat(_MISSING)))
            if _MISSING in parsed:
                parsed = self._fix(parsed, _MISSING, raws, self._ward_by_name, field_name, flag)
        elif field_name == "address":
            texts = _clean_texts(raws)
            if max(map(len, texts)) > ADDRESS_MAX:
                for i, value in enumerate(texts):
                    if len(value) > ADDRESS_MAX:
                        flag(i, field_name, raws[i], "text-too-long", max=ADDRESS_MAX)
            parsed = [value or None for value in texts]
        elif field_name == "employees":
            parsed = [int(raw) if raw.isdecimal() and len(raw) < 7 else _MISSING for raw in raws]
            if _MISSING in parsed:
                parsed = self._fix(parsed, _MISSING, raws, _employees, field_name, flag)
        else:  # founded_year
            first, last = str(YEAR_MIN), self.this_year
            parsed = [
                int(raw) if len(raw) == 4 and raw.isdecimal() and first <= raw <= last
                else _MISSING
                for raw in raws
            ]  # fmt: skip
            if _MISSING in parsed:
                parsed = self._fix(parsed, _MISSING, raws, _year, field_name, flag)
        return parsed

    @staticmethod
    def _fix(
        parsed: list[object],
        marker: object,
        raws: list[str],
        slow: Callable[[str], object],
        field_name: str,
        flag: Callable[..., None],
    ) -> list[object]:
        """Run the general parser on the cells the fast path left with ``marker``."""
        for i, value in enumerate(parsed):
            if value is marker:
                try:
                    parsed[i] = slow(raws[i])
                except _Bad as exc:
                    parsed[i] = None
                    flag(i, field_name, raws[i], exc.key, **exc.args_)
        return parsed

    def _ward_by_name(self, raw: str) -> int | None:
        """A ward given by its name ("Phường Tân Phong", "tan phong") or its unit code."""
        unit_id = self.units_folded.get(raw.strip().casefold(), _MISSING)
        if unit_id is _MISSING:
            found = self.wards_by_key.get(ward_name_key(raw), {})
            if not found:
                raise _Bad("unknown-ward-name")
            if len(found) > 1:
                raise _Bad("ambiguous-ward-name", codes=", ".join(sorted(found)))
            (unit_id,) = found.values()
        self.ward_names[raw] = cast(int | None, unit_id)
        return cast(int | None, unit_id)

    def _ward(self, raw: str) -> int | None:
        unit_id = self.units_folded.get(raw.strip().casefold(), _MISSING)
        if unit_id is _MISSING:
            raise _Bad("unknown-ward-code")
        return cast(int | None, unit_id)

    def _write(self, records: list[tuple[Any, ...]]) -> None:
        """Insert the new rows, update the changed ones, leave the same ones alone."""
        if self.sqlite:
            self._write_sqlite(records)
            return
        if self.bulk:
            # The register was empty and is locked: every row is new (the file's duplicates
            # are rejected), and a plain INSERT skips the conflict checks.
            self.result.inserted += len(records)
            columns = tuple(map(list, zip(*records, strict=True)))
            self.conn.exec_driver_sql(self.insert_sql, columns)
            return
        # PostgreSQL: the rows already stored are compared here, and only the new and the
        # changed ones are sent, as one array per column.
        codes = [record[0] for record in records]
        stored = {
            row[0]: tuple(row[1:]) for row in self.conn.execute(self.existing, {"codes": codes})
        }
        fingerprint = self.fingerprint
        changed = []
        updated = 0
        for record in records:
            old = stored.get(record[0])
            if old is None:
                changed.append(record)
            elif old != fingerprint(record):
                updated += 1
                changed.append(record)
        result = self.result
        result.inserted += len(changed) - updated
        result.updated += updated
        result.unchanged += len(records) - len(changed)
        if changed:
            columns = tuple(map(list, zip(*changed, strict=True)))
            self.conn.exec_driver_sql(self.upsert_sql, columns)

    def _write_sqlite(self, records: list[tuple[Any, ...]]) -> None:
        """SQLite: count the batch's tax codes already stored, then upsert every row.

        The upsert's WHERE skips the rows whose values are all the same, and the statement's
        change count is the inserted plus the updated rows: no row goes back to Python.
        """
        conn = self.conn
        if self.bulk:
            # The register was empty and the write lock is held: every row is new (the
            # file's duplicates are rejected), and a plain INSERT skips the conflict checks.
            stored = 0
        else:
            codes = json.dumps([record[0] for record in records])
            stored = conn.execute(self.existing, {"codes": codes}).scalar_one()
        changes = 0
        step = self.rows_per_insert
        head, group, rest = self.sqlite_insert
        if self.bulk:
            rest = ""
        for start in range(0, len(records), step):
            part = records[start : start + step]
            sql = self._multirow_sql.get((len(part), self.bulk))
            if sql is None:
                sql = head + ", ".join([group] * len(part)) + rest
                self._multirow_sql[len(part), self.bulk] = sql
            changes += conn.exec_driver_sql(sql, tuple(chain.from_iterable(part))).rowcount
        inserted = len(records) - stored
        result = self.result
        result.inserted += inserted
        result.updated += changes - inserted
        result.unchanged += stored - (changes - inserted)


def _row_error(number: int, column: str, raw: str, exc: _Bad) -> RowError:
    return RowError(number, column, raw, _reason(exc.key, **exc.args_), exc.key)


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


def _unit_kind(raw: str) -> str:
    value = raw.strip()
    if value in UnitKind.ALL:
        return value
    kind = UNIT_KIND_LABELS.get(normalize_search_key(value))
    if kind is None:
        raise _Bad(
            "required-value-missing" if not value else "unknown-unit-kind",
            kinds=", ".join(sorted(UnitKind.ALL)),
        )
    return kind


async def import_units(
    db: AsyncSession | AsyncConnection,
    path: Path,
    *,
    report_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create, rename, re-kind and re-parent units from a CSV or XLSX file.

    Rows are checked before anything is written: an unknown kind, an unknown parent (neither
    in the file nor in the database), a parent whose own row was rejected, or a parent that
    would make a cycle rejects the row, with the reason in the report.
    """
    started = time.perf_counter()
    report = _Report(report_path)
    try:
        if isinstance(db, AsyncSession):
            result = await _import_units(db, Path(path), report, progress)
        else:
            async with AsyncSession(bind=db, autoflush=False, expire_on_commit=False) as session:
                result = await _import_units(session, Path(path), report, progress)
    except BaseException:
        report.discard()
        raise
    result.report_path = report.finish()
    result.seconds = time.perf_counter() - started
    return result


@dataclass(slots=True)
class _UnitLine:
    number: int
    row: UnitRow
    cells: dict[str, str]  # field -> raw value, for the report


async def _import_units(
    session: AsyncSession,
    path: Path,
    report: _Report,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    result = ImportResult("units")
    lines: dict[str, _UnitLine] = {}
    bad_rows: dict[str, int] = {}  # code -> row, for rows rejected
    errors: list[RowError] = []
    with _open_table(path) as (rows, _is_xlsx):
        header = _find_header(rows, UNIT_HEADERS, UNIT_REQUIRED, path)
        result.ignored_columns = header.ignored
        result.warnings = header.warnings
        result.header_line = header.row
        labels = header.labels
        width = max(header.columns.values()) + 1
        number = header.row
        for raw_cells in rows:
            number += 1
            cells = [" ".join(_xlsx_text(v).split()) for v in raw_cells]
            cells += [""] * (width - len(cells))
            if not any(cells):
                continue
            result.rows_read += 1
            values = {name: cells[index] for name, index in header.columns.items()}
            bad: list[RowError] = []
            code = values["code"]
            if not code:
                bad.append(_row_error(number, labels["code"], code, _Bad("required-value-missing")))
            elif len(code) > UNIT_CODE_MAX:
                exc = _Bad("text-too-long", max=UNIT_CODE_MAX)
                bad.append(_row_error(number, labels["code"], code, exc))
            elif code in lines or code in bad_rows:
                first = lines[code].number if code in lines else bad_rows[code]
                key = "duplicate-unit-code"
                bad.append(RowError(number, labels["code"], code, _reason(key, line=first), key))
            name: str | None = None
            try:
                name = _text(values["name"], NAME_MAX, required=True)
            except _Bad as exc:
                bad.append(_row_error(number, labels["name"], values["name"], exc))
            kind = ""
            try:
                kind = _unit_kind(values["kind"])
            except _Bad as exc:
                bad.append(_row_error(number, labels["kind"], values["kind"], exc))
            parent = values.get("parent_code") or None
            if bad:
                result.rejected += 1
                errors.extend(bad)
                if code and code not in lines and code not in bad_rows:
                    bad_rows[code] = number
                continue
            lines[code] = _UnitLine(number, UnitRow(code, cast(str, name), kind, parent), values)
    if result.rows_read == 0:
        raise ImportFileError(f"{path.name} has a header row but no data rows: nothing to import")

    parent_table = aliased(Unit)
    stored: dict[str, str | None] = {
        code: parent_code
        for code, parent_code in (
            await session.execute(
                select(Unit.code, parent_table.code).outerjoin(
                    parent_table, Unit.parent_id == parent_table.id
                )
            )
        ).all()
    }
    parent_label = labels.get("parent_code", "parent_code")
    final = {**stored, **{code: line.row.parent_code for code, line in lines.items()}}

    def reject(entry: _UnitLine, key: str, **args: object) -> None:
        code = entry.row.code
        del lines[code]
        bad_rows[code] = entry.number
        if code in stored:
            final[code] = stored[code]
        else:
            final.pop(code, None)
        result.rejected += 1
        value = entry.cells.get("parent_code", "")
        errors.append(RowError(entry.number, parent_label, value, _reason(key, **args), key))

    def reject_orphans() -> None:
        """A parent must be in the database or an accepted row of the file."""
        changed = True
        while changed:
            changed = False
            for line in sorted(lines.values(), key=lambda item: item.number):
                parent = line.row.parent_code
                if parent is None or parent in lines or parent in stored:
                    continue
                if parent in bad_rows:
                    reject(line, "parent-rejected", line=bad_rows[parent])
                else:
                    reject(line, "unknown-parent")
                changed = True

    reject_orphans()
    # The tree after the import must have no cycle. In each cycle, the row that moves an
    # existing unit is rejected (the last such row of the file), else the cycle's last row.
    for line in sorted(lines.values(), key=lambda item: item.number):
        while line.row.code in lines and (cycle := _cycle(line.row.code, final)):
            in_file = [lines[code] for code in cycle[:-1] if code in lines]
            moved = [item for item in in_file if item.row.code in stored]
            culprit = max(moved or in_file, key=lambda item: item.number)
            path_text = " → ".join(_cycle(culprit.row.code, final))
            reject(culprit, "unit-cycle", path=path_text)
    reject_orphans()
    if progress is not None:
        progress(result.rows_read)

    ordered = sorted(lines.values(), key=lambda item: (_depth(item.row.code, final), item.number))
    try:
        created, updated = await upsert_units(session, [line.row for line in ordered])
        await session.flush()
    except UnitTreeError as exc:  # the checks above should have caught it
        raise ImportFileError(f"{path.name}: {exc}") from None
    for error in sorted(errors, key=lambda item: item.line):
        report.add(error)
    result.inserted = created
    result.updated = updated
    result.unchanged = len(ordered) - created - updated
    result.errors = report.kept
    return result


def _cycle(code: str, parents: dict[str, str | None]) -> list[str]:
    """The path back to ``code`` when its ancestors include itself, else []."""
    path = [code]
    seen = {code}
    current = parents.get(code)
    while current is not None:
        path.append(current)
        if current == code:
            return path
        if current in seen:
            return []  # a cycle above, not through this unit
        seen.add(current)
        current = parents.get(current)
    return []


def _depth(code: str, parents: dict[str, str | None]) -> int:
    depth = 0
    current = parents.get(code)
    while current is not None and depth <= len(parents):
        depth += 1
        current = parents.get(current)
    return depth
