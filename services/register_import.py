"""Bulk import of the enterprise register and of the unit tree from CSV or XLSX files.

The register comes from the Tax Department, Social Insurance or the Department of Planning
and Investment, as a spreadsheet or a CSV export. ``import_enterprises`` upserts it by tax
code (MST); ``import_units`` maintains the unit tree from (code, name, kind, parent code).

Rules, in short:

* Headers are matched in Vietnamese or English, ignoring case, diacritics, punctuation and
  spacing ("Mã số thuế", "MST", "tax_code" ...). Unknown columns are ignored (and listed).
  A header row may sit below a few title rows; the first row naming the required columns is
  the header.
* A bad row is never dropped silently: every bad cell becomes one line of the error report
  (row number as the file shows it, header row = 1; column; value; English reason; reason
  key), the row is rejected, and the good rows are imported.
* A tax code that appears twice in a file: the first row is kept, the later one is rejected
  as "duplicate of row N".
* An unknown ward code rejects the row (importing it without its ward would silently lose
  the routing of every application to that enterprise).
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

The heavy loop is synchronous and runs inside ``AsyncConnection.run_sync``: one greenlet
switch per batch instead of one per row. It holds the event loop while it runs, which is
what a command-line import wants.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Final, cast

from sqlalchemy import Connection, Table, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from models import Enterprise, Unit, UnitKind
from models.base import utcnow
from services.units import UnitRow, UnitTreeError, upsert_units
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
REPORT_HEADER: Final = ("row", "column", "value", "reason", "reason_key")


class ImportFileError(Exception):
    """The file cannot be imported at all; the message is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell (or row) of the file, as written to the error report."""

    row: int
    column: str
    value: str
    reason: str
    reason_key: str


@dataclass(slots=True)
class ImportResult:
    what: str  # "enterprises" or "units"
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_KEPT_ERRORS
    report_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.what}: {self.rows_read:,} rows read: {self.inserted:,} inserted, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )
        if self.rejected:
            where = f"; see {self.report_path}" if self.report_path else ""
            text += f"\n{self.rejected:,} rows were rejected and not imported{where}"
        if self.ignored_columns:
            text += "\nignored columns: " + ", ".join(self.ignored_columns)
        return text


# --------------------------------------------------------------------------------------------
# Header aliases
# --------------------------------------------------------------------------------------------

ENTERPRISE_HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "tax_code": (
        "Mã số thuế", "MST", "Mã số DN", "Mã số doanh nghiệp", "Mã số thuế doanh nghiệp",
        "tax_code", "tax code", "tax number", "tax id", "TIN",
    ),
    "name": (
        "Tên doanh nghiệp", "Tên DN", "Tên đơn vị", "Tên công ty", "Tên người nộp thuế",
        "name", "enterprise name", "enterprise", "company name", "company",
    ),
    "address": ("Địa chỉ", "Địa chỉ trụ sở", "Địa chỉ trụ sở chính", "address"),
    "employees": (
        "Số lao động", "Số LĐ", "Số người lao động", "Tổng số lao động", "Lao động",
        "employees", "workers", "number of employees",
    ),
    "ward_code": (
        "Mã đơn vị phường", "Mã phường", "Mã xã", "Mã phường xã", "Mã công đoàn phường",
        "ward_code", "ward code", "ward", "ward unit", "ward_unit_code",
    ),
    "pays_union_fee": (
        "Đóng kinh phí công đoàn", "Đóng KPCĐ", "KPCĐ", "Kinh phí công đoàn",
        "pays_union_fee", "pays union fee", "union fee",
    ),
    "has_party_cell": ("Có chi bộ Đảng", "Chi bộ Đảng", "Chi bộ", "has_party_cell", "party cell"),
    "in_industrial_zone": (
        "Trong KCN", "Khu công nghiệp", "KCN", "Trong khu công nghiệp", "KCN/KCX",
        "in_industrial_zone", "industrial zone", "in industrial zone",
    ),
    "founded_year": (
        "Năm thành lập", "Năm TL", "Ngày thành lập", "founded_year", "founded", "year founded",
    ),
}  # fmt: skip

UNIT_HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "code": ("Mã đơn vị", "Mã", "Mã công đoàn", "code", "unit code", "unit_code"),
    "name": ("Tên đơn vị", "Tên", "Tên công đoàn", "name", "unit name", "unit_name"),
    "kind": ("Loại", "Loại đơn vị", "Cấp", "kind", "type", "unit kind", "unit_kind"),
    "parent_code": (
        "Mã đơn vị cấp trên", "Mã cấp trên", "Cấp trên", "Đơn vị cấp trên",
        "parent_code", "parent code", "parent",
    ),
}  # fmt: skip

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

_BOOLEAN_WORDS: Final[dict[str, bool]] = {
    "": False,
    "co": True,
    "x": True,
    "1": True,
    "yes": True,
    "y": True,
    "true": True,
    "dung": True,
    "khong": False,
    "0": False,
    "no": False,
    "n": False,
    "false": False,
    "sai": False,
}
# The spellings seen most often, looked up before any normalization.
_BOOLEAN_FAST: Final[dict[str, bool]] = {
    **{k: v for k, v in _BOOLEAN_WORDS.items()},
    **{k.upper(): v for k, v in _BOOLEAN_WORDS.items()},
    **{k.capitalize(): v for k, v in _BOOLEAN_WORDS.items()},
    "có": True, "Có": True, "CÓ": True, "không": False, "Không": False, "KHÔNG": False,
}  # fmt: skip

REASONS: Final[dict[str, str]] = {
    "required-value-missing": "this column must not be empty",
    "invalid-tax-code-format": (
        "a tax code has 10 digits, or 13 for a branch (0100109106 or 0100109106-001)"
    ),
    "invalid-tax-code-checksum": "not a valid tax code: the check digit does not match",
    "duplicate-tax-code": "duplicate of row {row}; the first row is kept",
    "text-too-long": "longer than {max} characters",
    "invalid-number": "not a whole number",
    "number-out-of-range": "must be between {min} and {max}",
    "invalid-year": "not a year between {min} and {max}",
    "invalid-boolean": "expected có/không, x, 1/0, yes/no or true/false",
    "unknown-ward-code": "no unit has this code; import the unit tree first or fix the code",
    "unknown-unit-kind": "unknown kind; use one of: {kinds}",
    "duplicate-unit-code": "duplicate of row {row}; the first row is kept",
    "unknown-parent": "no unit has this code, neither in this file nor in the database",
    "parent-rejected": "its parent (row {row}) was rejected",
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
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk.count(b"\n", 0, max(exc.start, 0))
                bad = chunk[exc.start : exc.start + 1].hex().upper() or "end of file"
                raise ImportFileError(
                    f"{path.name} is not UTF-8 text (byte 0x{bad} on line {line}); save it "
                    "as CSV UTF-8 (in Excel: Save As, then 'CSV UTF-8 (Comma delimited)') "
                    "and import it again"
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
            yield _csv_rows(path, handle, delimiter), False
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


def _csv_rows(path: Path, handle: IO[str], delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(
            f"{path.name}, line {reader.line_num}: not valid CSV ({exc})"
        ) from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8") from None


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
    return _Header(row, columns, labels, ignored)


def _find_header(
    rows: Iterator[Sequence[Any]],
    aliases: dict[str, tuple[str, ...]],
    required: Sequence[str],
    path: Path,
) -> _Header:
    """The first row, among the first few non-blank ones, that names every required column."""
    first: _Header | None = None
    first_cells: list[str] = []
    seen = 0
    for number, cells in enumerate(rows, start=1):
        if not any(_xlsx_text(c).strip() for c in cells):
            continue
        header = _match_header(cells, aliases, number, path)
        if all(name in header.columns for name in required):
            return header
        if first is None:
            first = header
            first_cells = [" ".join(_xlsx_text(c).split()) for c in cells if _xlsx_text(c).strip()]
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(f"{path.name} is empty: no header row and no data")
    missing = [name for name in required if name not in first.columns]
    expected = "; ".join(f"{name}: {' / '.join(aliases[name][:3])}" for name in missing)
    found = ", ".join(repr(c) for c in first_cells) or "none"
    raise ImportFileError(
        f"{path.name}: missing required column(s) {', '.join(missing)} (expected {expected}); "
        f"headers found: {found}"
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
            (error.row, error.column, error.value, error.reason, error.reason_key)
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
# Cell parsers (each returns the value, or raises _Bad with a reason key)
# --------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


_TAX_FAST_RE: Final = re.compile(r"[0-9]{10}(?:-?[0-9]{3})?").fullmatch
_TAX_WEIGHTED_ZEROS: Final = 48 * (31 + 29 + 23 + 19 + 17 + 13 + 7 + 5 + 3)


def fast_tax_code(raw: str) -> str | Invalid:
    """``parse_tax_code`` with a fast path for the usual plain digits (same results).

    It runs on every row of the register: a regular expression and the weighted sum of the
    check digit on the ASCII bytes, instead of NFKC and python-stdnum's general parser.
    """
    if _TAX_FAST_RE(raw) is None:
        parsed = parse_tax_code(raw)
        return parsed if isinstance(parsed, Invalid) else parsed.value
    d = raw.encode()
    total = (
        31 * d[0] + 29 * d[1] + 23 * d[2] + 19 * d[3] + 17 * d[4]
        + 13 * d[5] + 7 * d[6] + 5 * d[7] + 3 * d[8] - _TAX_WEIGHTED_ZEROS
    )  # fmt: skip
    if 10 - total % 11 != d[9] - 48:
        return Invalid("invalid-tax-code-checksum")
    if raw[2:9] == "0000000" or (len(raw) > 10 and raw[-3:] == "000"):
        return Invalid("invalid-tax-code-checksum")
    if len(raw) == 10:
        return raw
    return f"{raw[:10]}-{raw[-3:]}"


def _text(raw: str, limit: int, required: bool) -> str | None:
    value = " ".join(raw.split())
    if not value:
        if required:
            raise _Bad("required-value-missing")
        return None
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if len(value) > limit:
        raise _Bad("text-too-long", max=limit)
    return value


_INT_SEPARATORS_RE: Final = re.compile(r"[0-9]{1,3}(?:([.,  ])[0-9]{3})(?:\1[0-9]{3})*")


def _whole_number(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return int(value)
    if _INT_SEPARATORS_RE.fullmatch(value):  # 1.200 or 1,200 or 1 200
        return int(re.sub(r"[^0-9]", "", value))
    with contextlib.suppress(ValueError):
        number = float(value)
        if number.is_integer():
            return int(number)
    raise _Bad("invalid-number")


def _employees(raw: str) -> int | None:
    number = _whole_number(raw)
    if number is not None and not 0 <= number <= EMPLOYEES_MAX:
        raise _Bad("number-out-of-range", min=0, max=f"{EMPLOYEES_MAX:,}")
    return number


_DATE_RE: Final = re.compile(
    r"(?:[0-9]{1,2}[/.\-])?(?:[0-9]{1,2}[/.\-])?([0-9]{4})|([0-9]{4})-[0-9]{1,2}-[0-9]{1,2}.*"
)


def _year(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    last = date.today().year
    match = _DATE_RE.fullmatch(value)
    year = int(match[1] or match[2]) if match else None
    if year is None or not YEAR_MIN <= year <= last:
        raise _Bad("invalid-year", min=YEAR_MIN, max=last)
    return year


def _boolean(raw: str) -> bool:
    value = _BOOLEAN_FAST.get(raw)
    if value is None:
        value = _BOOLEAN_WORDS.get(normalize_search_key(raw))
        if value is None:
            raise _Bad("invalid-boolean")
    return value


# --------------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------------

_OPTIONAL_PARSERS: Final[dict[str, Callable[[str], object]]] = {
    "address": lambda raw: _text(raw, ADDRESS_MAX, required=False),
    "employees": _employees,
    "pays_union_fee": _boolean,
    "has_party_cell": _boolean,
    "in_industrial_zone": _boolean,
    "founded_year": _year,
}
# Column written for each field of the file (the ward code becomes the unit's id).
_FIELD_COLUMN: Final = {"ward_code": "ward_unit_id"}
_INSERT_DEFAULTS: Final[dict[str, object]] = {
    "address": None,
    "ward_unit_id": None,
    "employees": None,
    "pays_union_fee": False,
    "has_party_cell": False,
    "in_industrial_zone": False,
    "founded_year": None,
}


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
        result = _EnterpriseImport(conn, path, report, progress, batch_size).run()
    except BaseException:
        report.discard()
        raise
    result.report_path = report.finish()
    result.seconds = time.perf_counter() - started
    return result


class _EnterpriseImport:
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

    def run(self) -> ImportResult:
        with _open_table(self.path) as (rows, is_xlsx):
            header = _find_header(rows, ENTERPRISE_HEADERS, ENTERPRISE_REQUIRED, self.path)
            self.result.ignored_columns = header.ignored
            self._prepare(header)
            self._load(rows, header, is_xlsx)
        if self.result.rows_read == 0:
            raise ImportFileError(
                f"{self.path.name} has a header row but no data rows: nothing to import"
            )
        return self.result

    def _prepare(self, header: _Header) -> None:
        present = [_FIELD_COLUMN.get(f, f) for f in header.columns if f != "tax_code"]
        # The columns a re-import compares and updates: only those the file has.
        self.compare = ["name", "search_key", *[c for c in present if c != "name"]]
        self.fingerprint = itemgetter(*self.compare)
        table = self.table
        dialect = self.conn.dialect.name
        self.upsert = _upsert_if_changed(dialect, table, self.compare)
        self.existing = select(table.c.tax_code, *[table.c[name] for name in self.compare]).where(
            table.c.tax_code.in_(bindparam("codes", expanding=True))
        )
        self.units: dict[str, int] = {}
        if "ward_code" in header.columns:
            for code, unit_id in self.conn.execute(select(Unit.code, Unit.id)):
                self.units[code] = unit_id
        self.units_folded = {code.casefold(): unit_id for code, unit_id in self.units.items()}

    def _load(self, rows: Iterator[Sequence[Any]], header: _Header, is_xlsx: bool) -> None:
        columns = header.columns
        labels = header.labels
        width = max(columns.values()) + 1
        i_tax = columns["tax_code"]
        i_name = columns["name"]
        i_ward = columns.get("ward_code", -1)
        optional = [
            (field_name, index, _OPTIONAL_PARSERS[field_name])
            for field_name, index in columns.items()
            if field_name in _OPTIONAL_PARSERS
        ]
        now = utcnow()
        template: dict[str, object] = {**_INSERT_DEFAULTS, "created_at": now, "updated_at": now}
        units = self.units
        units_folded = self.units_folded
        seen: dict[str, int] = {}
        batch: list[dict[str, object]] = []
        report = self.report
        result = self.result
        batch_size = self.batch_size
        number = header.row
        for cells in rows:
            number += 1
            if len(cells) < width:
                cells = [*cells, *[""] * (width - len(cells))]
            if is_xlsx:
                cells = [
                    _xlsx_tax_code(v) if i == i_tax else _xlsx_text(v) for i, v in enumerate(cells)
                ]
            if not (cells[i_tax] or cells[i_name]) and not "".join(cells).strip():
                continue  # a blank row
            result.rows_read += 1
            bad: list[RowError] = []
            record = template.copy()

            raw = cells[i_tax].strip()
            tax = fast_tax_code(raw) if raw else Invalid("required-value-missing")
            if isinstance(tax, Invalid):
                key = tax.reason
                bad.append(RowError(number, labels["tax_code"], raw, REASONS[key], key))
            else:
                first = seen.get(tax)
                if first is None:
                    seen[tax] = number
                    record["tax_code"] = tax
                else:
                    bad.append(
                        RowError(
                            number,
                            labels["tax_code"],
                            raw,
                            _reason("duplicate-tax-code", row=first),
                            "duplicate-tax-code",
                        )
                    )

            raw = cells[i_name]
            try:
                name = _text(raw, NAME_MAX, required=True)
                record["name"] = name
                record["search_key"] = normalize_search_key(cast(str, name))[:NAME_MAX]
            except _Bad as exc:
                bad.append(_row_error(number, labels["name"], raw, exc))

            if i_ward >= 0:
                raw = cells[i_ward].strip()
                if raw:
                    unit_id = units.get(raw) or units_folded.get(raw.casefold())
                    if unit_id is None:
                        key = "unknown-ward-code"
                        bad.append(RowError(number, labels["ward_code"], raw, REASONS[key], key))
                    record["ward_unit_id"] = unit_id

            for field_name, index, parse in optional:
                raw = cells[index]
                try:
                    record[field_name] = parse(raw)
                except _Bad as exc:
                    bad.append(_row_error(number, labels[field_name], raw, exc))

            if bad:
                result.rejected += 1
                for error in bad:
                    report.add(error)
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        result.errors = report.kept

    def _flush(self, batch: list[dict[str, object]]) -> None:
        conn = self.conn
        fingerprint = self.fingerprint
        codes = [record["tax_code"] for record in batch]
        stored = {row[0]: tuple(row[1:]) for row in conn.execute(self.existing, {"codes": codes})}
        changed: list[dict[str, object]] = []
        inserted = updated = 0
        for record in batch:
            old = stored.get(record["tax_code"])
            if old is None:
                inserted += 1
                changed.append(record)
            elif old != fingerprint(record):
                updated += 1
                changed.append(record)
        if changed:
            conn.execute(self.upsert, changed)
        result = self.result
        result.inserted += inserted
        result.updated += updated
        result.unchanged += len(batch) - inserted - updated
        if self.progress is not None:
            self.progress(result.rows_read)


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
    bad_rows: dict[str, int] = {}  # code -> row, for rows rejected by a bad cell
    with _open_table(path) as (rows, _is_xlsx):
        header = _find_header(rows, UNIT_HEADERS, UNIT_REQUIRED, path)
        result.ignored_columns = header.ignored
        labels = header.labels
        width = max(header.columns.values()) + 1
        number = header.row
        for raw_cells in rows:
            number += 1
            cells = [_xlsx_text(v).strip() for v in raw_cells]
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
                bad.append(RowError(number, labels["code"], code, _reason(key, row=first), key))
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
                for error in bad:
                    report.add(error)
                if code and code not in lines and code not in bad_rows:
                    bad_rows[code] = number
                continue
            lines[code] = _UnitLine(number, UnitRow(code, cast(str, name), kind, parent), values)
    if result.rows_read == 0:
        raise ImportFileError(f"{path.name} has a header row but no data rows: nothing to import")
    if progress is not None:
        progress(result.rows_read)

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

    def reject(line: _UnitLine, key: str, **args: object) -> None:
        del lines[line.row.code]
        bad_rows[line.row.code] = line.number
        result.rejected += 1
        report.add(
            RowError(
                line.number,
                parent_label,
                line.cells.get("parent_code", ""),
                _reason(key, **args),
                key,
            )
        )

    changed = True
    while changed:
        changed = False
        # A parent must exist in the database or be an accepted row of the file.
        for line in sorted(lines.values(), key=lambda item: item.number):
            parent = line.row.parent_code
            if parent is None or parent in lines or parent in stored:
                continue
            if parent in bad_rows:
                reject(line, "parent-rejected", row=bad_rows[parent])
            else:
                reject(line, "unknown-parent")
            changed = True
        # The tree after the import must have no cycle.
        final = {**stored, **{code: line.row.parent_code for code, line in lines.items()}}
        for line in sorted(lines.values(), key=lambda item: item.number):
            cycle = _cycle(line.row.code, final)
            if cycle:
                reject(line, "unit-cycle", path=" → ".join(cycle))
                final[line.row.code] = stored.get(line.row.code)
                changed = True

    final = {**stored, **{code: line.row.parent_code for code, line in lines.items()}}
    ordered = sorted(lines.values(), key=lambda item: (_depth(item.row.code, final), item.number))
    try:
        created, updated = await upsert_units(session, [line.row for line in ordered])
        await session.flush()
    except UnitTreeError as exc:  # the checks above should have caught it
        raise ImportFileError(f"{path.name}: {exc}") from None
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
