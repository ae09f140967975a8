"""The one place where user input is validated.

Every parser takes the raw text a person typed and returns either ``Valid(value)`` with the
normalized value, or ``Invalid(reason, args)`` where ``reason`` is a Fluent message key from
``locales/*/validation.ftl`` and ``args`` are the Fluent arguments for that message.

Nothing here knows about Telegram: handlers translate ``Invalid`` into a reply.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, Generic, TypeAlias, TypeVar

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.vn import mst

__all__ = [
    "CCCD_PROVINCE_CODES",
    "GENDERS",
    "Invalid",
    "Parsed",
    "Period",
    "Valid",
    "looks_like_tax_code",
    "normalize_search_key",
    "parse_birth_date",
    "parse_citizen_id",
    "parse_contact",
    "parse_count",
    "parse_due_date",
    "parse_employer_name",
    "parse_free_text",
    "parse_full_name",
    "parse_gender",
    "parse_part",
    "parse_past_date",
    "parse_period",
    "parse_phone",
    "parse_tax_code",
    "parse_years_or_year",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Valid(Generic[T]):
    """The input was accepted; ``value`` is its normalized form."""

    value: T


@dataclass(frozen=True, slots=True)
class Invalid:
    """The input was rejected; ``reason`` is a Fluent key, ``args`` its arguments."""

    reason: str
    args: Mapping[str, str | int] = field(default_factory=dict)


Parsed: TypeAlias = Valid[T] | Invalid


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

_TAG_RE: Final = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")


def _collapse(text: str) -> str:
    """NFC-normalize, trim and collapse every run of whitespace (incl. newlines) to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_forbidden_char(ch: str) -> bool:
    """Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned."""
    return unicodedata.category(ch).startswith("C")


# --------------------------------------------------------------------------------------------
# Full name
# --------------------------------------------------------------------------------------------

NAME_MIN_LEN: Final = 2
NAME_MAX_LEN: Final = 100
NAME_MIN_LETTERS: Final = 2
_NAME_PUNCTUATION: Final = frozenset(" '’-.")


def parse_full_name(text: str) -> Parsed[str]:
    """A person's full name, whitespace- and NFC-normalized but otherwise kept as typed.

    Single-word names are allowed (some ethnic minorities use them); at least two letters are
    required. Only letters (any script, with diacritics), spaces, apostrophes, hyphens and
    dots are accepted.
    """
    name = _collapse(text)
    if len(name) > NAME_MAX_LEN:
        return Invalid("invalid-name-too-long", {"max": NAME_MAX_LEN})
    if len(name) < NAME_MIN_LEN:
        return Invalid("invalid-name-too-short")
    letters = 0
    previous_is_letter = False
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
            previous_is_letter = True
        elif category.startswith("M") and previous_is_letter:
            # A combining mark NFC could not fold into its letter: still part of the letter.
            continue
        elif ch in _NAME_PUNCTUATION:
            previous_is_letter = False
        else:
            return Invalid("invalid-name-chars")
    if letters < NAME_MIN_LETTERS:
        return Invalid("invalid-name-too-short")
    return Valid(_title(name))


def _title(name: str) -> str:
    """ "nguyễn thị lan" or "NGUYỄN THỊ LAN" → "Nguyễn Thị Lan"; mixed case is kept as typed
    ("Ksor H'Bia")."""
    if name != name.lower() and name != name.upper():
        return name
    return " ".join(part[:1].upper() + part[1:].lower() for part in name.split(" "))


# --------------------------------------------------------------------------------------------
# Birth date
# --------------------------------------------------------------------------------------------

MIN_AGE: Final = 15
MAX_AGE: Final = 100
_DATE_RE: Final = re.compile(
    r"(?P<d>[0-9]{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<y>[0-9]{4}|[0-9]{2})"
)


def _age_on(birth: date, today: date) -> int:
    """Completed years of life on ``today`` (the birthday itself counts)."""
    before_birthday = (today.month, today.day) < (birth.month, birth.day)
    return today.year - birth.year - int(before_birthday)


def parse_past_date(text: str, today: date) -> Parsed[date]:
    """A day that has come (a decision's date): ``dd/mm/yyyy``, ``d/m/yyyy`` or ``d/m/yy``,
    separated by ``/``, ``-`` or ``.``. A two-digit year gets the latest century that does
    not put the date in the future."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _DATE_RE.fullmatch(cleaned)
    if match is None:
        return Invalid("invalid-date-format")
    day, month, year = int(match["d"]), int(match["m"]), int(match["y"])
    if len(match["y"]) == 2:
        year += 2000 if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900
    try:
        found = date(year, month, day)
    except ValueError:
        return Invalid("invalid-date-impossible")
    if found > today:
        return Invalid("invalid-date-future")
    return Valid(found)


def iso_date(value: str) -> date:
    return date.fromisoformat(value)


def display_iso_date(value: str | None) -> str | None:
    """A stored ``yyyy-mm-dd`` as people read it: ``dd/mm/yyyy``."""
    return None if value is None else date.fromisoformat(value).strftime("%d/%m/%Y")


def escape(value: str) -> str:
    """User text made safe to show in an HTML message."""
    return html.escape(value, quote=False)


def parse_birth_date(text: str, today: date) -> Parsed[date]:
    """A date of birth (see ``parse_past_date``) of someone old enough to join."""
    parsed = parse_past_date(text, today)
    if isinstance(parsed, Invalid):
        return parsed
    birth = parsed.value
    age = _age_on(birth, today)
    if age < MIN_AGE:
        return Invalid("invalid-date-under-age", {"min_age": MIN_AGE})
    if age > MAX_AGE:
        return Invalid("invalid-date-too-old", {"max_age": MAX_AGE})
    return Valid(birth)


# --------------------------------------------------------------------------------------------
# Gender
# --------------------------------------------------------------------------------------------

GENDERS: Final = ("male", "female", "other")


def parse_gender(value: str) -> Parsed[str]:
    """One of the codes sent by the gender buttons."""
    code = value.strip().lower()
    if code in GENDERS:
        return Valid(code)
    return Invalid("invalid-gender")


# --------------------------------------------------------------------------------------------
# Phone
# --------------------------------------------------------------------------------------------

PHONE_MAX_INPUT_LEN: Final = 30
_PHONE_CHARS_RE: Final = re.compile(r"[0-9+().\-\s]+")
_MOBILE_TYPES: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def parse_phone(text: str) -> Parsed[str]:
    """A Vietnamese mobile number, returned in E.164 (``+84912345678``)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if len(raw) > PHONE_MAX_INPUT_LEN:
        return Invalid("invalid-phone-too-long")
    # Only digits and the usual separators: no letters, no "ext. 12", no second number.
    if not _PHONE_CHARS_RE.fullmatch(raw) or sum(ch.isdigit() for ch in raw) < 3:
        return Invalid("invalid-phone-format")
    try:
        number = phonenumbers.parse(raw, "VN")
    except NumberParseException:
        return Invalid("invalid-phone-format")
    if number.country_code != 84:
        return Invalid("invalid-phone-not-vietnamese")
    if not phonenumbers.is_valid_number(number):
        digits = sum(ch.isdigit() for ch in raw)
        # Ten digits that are no Vietnamese number: the prefix is wrong, not the length.
        return Invalid("invalid-phone-prefix" if digits == 10 else "invalid-phone-format")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return Invalid("invalid-phone-not-mobile")
    return Valid(phonenumbers.format_number(number, PhoneNumberFormat.E164))


# --------------------------------------------------------------------------------------------
# Citizen ID (CCCD)
# --------------------------------------------------------------------------------------------

CCCD_LENGTH: Final = 12
# Province codes of the 12-digit personal identification number
# (Circular 07/2016/TT-BCA, amended by Circular 59/2021/TT-BCA).
# fmt: off
CCCD_PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
        "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
        "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
        "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
        "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
    }
)
# fmt: on
_ID_SEPARATORS_RE: Final = re.compile(r"[\s.\-]+")
_ASCII_DIGITS_RE: Final = re.compile(r"[0-9]*")


def parse_citizen_id(text: str) -> Parsed[str]:
    """The 12 digits of a CCCD (citizen identity card), separators removed."""
    digits = _ID_SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", text))
    if not _ASCII_DIGITS_RE.fullmatch(digits):
        return Invalid("invalid-citizen-id-chars")
    if len(digits) != CCCD_LENGTH:
        return Invalid("invalid-citizen-id-length", {"count": len(digits)})
    if digits[:3] not in CCCD_PROVINCE_CODES:
        return Invalid("invalid-citizen-id-province")
    # digits[3] is the century/gender code: any digit 0-9 is structurally valid.
    return Valid(digits)


# --------------------------------------------------------------------------------------------
# Tax code (MST)
# --------------------------------------------------------------------------------------------

_TAX_CODE_RE: Final = re.compile(r"[0-9]{10}(?:-?[0-9]{3})?")
_TAX_SPACING_RE: Final = re.compile(r"[\s.]+")


def parse_tax_code(text: str) -> Parsed[str]:
    """A Vietnamese tax code: ``0100109106``, or ``0100109106-001`` for a branch."""
    compacted = _TAX_SPACING_RE.sub("", unicodedata.normalize("NFKC", text))
    if not _TAX_CODE_RE.fullmatch(compacted):
        return Invalid("invalid-tax-code-format")
    try:
        mst.validate(compacted)
    except InvalidChecksum:
        return Invalid("invalid-tax-code-checksum")
    except ValidationError:
        # InvalidComponent: sequence 0000000 or branch 000 -- a code that cannot exist.
        return Invalid("invalid-tax-code-checksum")
    return Valid(mst.format(compacted))


# --------------------------------------------------------------------------------------------
# Free text (job title, employer name, ...)
# --------------------------------------------------------------------------------------------

TEXT_MIN_LEN: Final = 2
TEXT_MAX_LEN: Final = 200


def parse_free_text(text: str, max_len: int = TEXT_MAX_LEN) -> Parsed[str]:
    """A short single-line text: trimmed, whitespace collapsed, NFC, no controls or tags."""
    value = _collapse(text)
    if len(value) > max_len:
        return Invalid("invalid-text-too-long", {"max": max_len})
    if len(value) < TEXT_MIN_LEN:
        return Invalid("invalid-text-too-short", {"min": TEXT_MIN_LEN})
    if any(_is_forbidden_char(ch) for ch in value):
        return Invalid("invalid-text-chars")
    if _TAG_RE.search(value):
        return Invalid("invalid-text-markup")
    return Valid(value)


# --------------------------------------------------------------------------------------------
# Whole numbers (head counts, years)
# --------------------------------------------------------------------------------------------

COUNT_MAX_INPUT_LEN: Final = 20
# "40", or with thousands separators as typed in Vietnam and abroad: "1.200", "1,200", "1 200".
_COUNT_RE: Final = re.compile(r"[0-9]{1,3}(?:[.,\s][0-9]{3})+|[0-9]+")


def parse_count(text: str, minimum: int = 0, maximum: int = 1_000_000) -> Parsed[int]:
    """A whole number between ``minimum`` and ``maximum``, such as a number of workers."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if raw[:1] in ("-", "−") and _COUNT_RE.fullmatch(raw[1:].strip()):
        return Invalid("invalid-count-too-small", {"min": minimum})
    if len(raw) > COUNT_MAX_INPUT_LEN or not _COUNT_RE.fullmatch(raw):
        return Invalid("invalid-count-format")
    value = int(re.sub(r"[.,\s]", "", raw))
    if value < minimum:
        return Invalid("invalid-count-too-small", {"min": minimum})
    if value > maximum:
        return Invalid("invalid-count-too-large", {"max": maximum})
    return Valid(value)


FIRST_YEAR: Final = 1900
MAX_YEARS: Final = 100


def parse_years_or_year(text: str, this_year: int) -> Parsed[int]:
    """Years in operation, typed either as a number of years ("5") or as the founding year
    ("2019"); returned as a number of years."""
    parsed = parse_count(text, minimum=0, maximum=1_000_000)
    if isinstance(parsed, Invalid):
        return parsed
    value = parsed.value
    if value <= MAX_YEARS:
        return parsed
    if FIRST_YEAR <= value <= this_year:
        return Valid(this_year - value)
    return Invalid("invalid-years", {"max": MAX_YEARS, "year": this_year})


def parse_employer_name(text: str) -> Parsed[str]:
    """The name of an enterprise or workplace: free text that has letters in it."""
    parsed = parse_free_text(text, max_len=TEXT_MAX_LEN)
    if isinstance(parsed, Invalid):
        return parsed
    if sum(ch.isalpha() for ch in parsed.value) < NAME_MIN_LETTERS:
        return Invalid("invalid-name-needs-letters")
    return parsed


# --------------------------------------------------------------------------------------------
# Due dates (a follow-up planned for a day to come)
# --------------------------------------------------------------------------------------------

DUE_DATE_MAX_DAYS: Final = 366
_DUE_DATE_RE: Final = re.compile(
    r"(?P<d>[0-9]{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>[0-9]{1,2})"
    r"(?:\s*(?P=sep)\s*(?P<y>[0-9]{4}|[0-9]{2}))?"
)


def parse_due_date(text: str, today: date, max_days: int = DUE_DATE_MAX_DAYS) -> Parsed[date]:
    """``dd/mm/yyyy``, ``d/m/yy`` or just ``d/m`` (the next such day), today at the earliest."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _DUE_DATE_RE.fullmatch(cleaned)
    if match is None:
        return Invalid("invalid-due-date-format")
    day, month = int(match["d"]), int(match["m"])
    year_text = match["y"]
    if year_text is None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    else:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        due = date(year, month, day)
    except ValueError:
        return Invalid("invalid-due-date-impossible")
    if due < today:
        return Invalid("invalid-due-date-past")
    if (due - today).days > max_days:
        return Invalid("invalid-due-date-too-far", {"days": max_days})
    return Valid(due)


# --------------------------------------------------------------------------------------------
# Contact person: a name, optionally followed by a mobile number
# --------------------------------------------------------------------------------------------

_CONTACT_RE: Final = re.compile(
    r"(?P<name>[^0-9+()]*?)[\s,;:–-]*(?P<phone>[+(]?[0-9][0-9+().\-\s]*)?"
)


def parse_contact(text: str) -> Parsed[tuple[str, str | None]]:
    """``"Nguyễn Văn Bình 0912 345 678"`` -> the name and the number in E.164 (or None).

    The reasons are those of ``parse_full_name`` and ``parse_phone``.
    """
    cleaned = _collapse(text)
    match = _CONTACT_RE.fullmatch(cleaned)
    if match is None:
        name = parse_full_name(cleaned)
        return name if isinstance(name, Invalid) else Invalid("invalid-name-chars")
    name = parse_full_name(match["name"])
    if isinstance(name, Invalid):
        return name
    if not match["phone"]:
        return Valid((name.value, None))
    phone = parse_phone(match["phone"])
    if isinstance(phone, Invalid):
        return phone
    return Valid((name.value, phone.value))


# --------------------------------------------------------------------------------------------
# Reporting periods: an ISO week or a calendar month
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """An ISO week (Monday to Sunday) or a calendar month; `end` is its last day."""

    kind: str  # "week" or "month"
    start: date
    end: date

    @property
    def code(self) -> str:
        """``2026-W47`` or ``2026-11``: how a period is written back and kept in a draft."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @classmethod
    def week_of(cls, day: date) -> Period:
        start = day - timedelta(days=day.weekday())
        return cls("week", start, start + timedelta(days=6))

    @classmethod
    def month_of(cls, day: date) -> Period:
        start = day.replace(day=1)
        following = (start + timedelta(days=31)).replace(day=1)
        return cls("month", start, following - timedelta(days=1))

    def previous(self) -> Period:
        before = self.start - timedelta(days=1)
        return Period.week_of(before) if self.kind == "week" else Period.month_of(before)


FIRST_PERIOD_YEAR: Final = 2000
PERIOD_MAX_INPUT_LEN: Final = 40
# On the search key of the text ("2026-W47" -> "2026 w47", "tuần 47/2026" -> "tuan 47 2026").
_WEEK_RES: Final = (
    re.compile(r"(?P<y>[0-9]{4}) ?w ?(?P<n>[0-9]{1,2})"),
    re.compile(r"(?:tuan|week|w) ?(?P<n>[0-9]{1,2}) (?:nam |year )?(?P<y>[0-9]{4})"),
)
_MONTH_RES: Final = (
    re.compile(r"(?P<y>[0-9]{4}) (?P<n>[0-9]{1,2})"),
    re.compile(r"(?:thang |month |t)?(?P<n>[0-9]{1,2}) (?:nam |year )?(?P<y>[0-9]{4})"),
)


def _period_match(key: str) -> tuple[str, int, int] | None:
    for kind, patterns in (("week", _WEEK_RES), ("month", _MONTH_RES)):
        for pattern in patterns:
            if match := pattern.fullmatch(key):
                return kind, int(match["y"]), int(match["n"])
    return None


def parse_period(text: str, today: date) -> Parsed[Period]:
    """A week (``2026-W47``, ``W47/2026``, ``tuần 47/2026``) or a month (``2026-11``,
    ``11/2026``, ``tháng 11/2026``) that has begun by ``today``."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    found = (
        None
        if len(cleaned) > PERIOD_MAX_INPUT_LEN
        else _period_match(normalize_search_key(cleaned))
    )
    if found is None:
        return Invalid("invalid-period-format")
    kind, year, number = found
    if year < FIRST_PERIOD_YEAR:
        return Invalid("invalid-period-year", {"min": str(FIRST_PERIOD_YEAR)})
    if kind == "week":
        weeks = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
        if not 1 <= number <= weeks:
            # Years as text: Fluent would group their digits ("2.026").
            return Invalid("invalid-period-week", {"year": str(year), "weeks": weeks})
        period = Period.week_of(date.fromisocalendar(year, number, 1))
    else:
        if not 1 <= number <= 12:
            return Invalid("invalid-period-month")
        period = Period.month_of(date(year, number, 1))
    if period.start > today:
        return Invalid("invalid-period-future")
    return Valid(period)


def parse_part(text: str, whole: int) -> Parsed[int]:
    """A count that is part of another (the CĐCS founded in large enterprises, of those
    founded): a whole number from 0 to ``whole``."""
    parsed = parse_count(text, minimum=0)
    if isinstance(parsed, Invalid) or parsed.value <= whole:
        return parsed
    return Invalid("invalid-part-too-large", {"whole": whole})


# --------------------------------------------------------------------------------------------
# Search keys
# --------------------------------------------------------------------------------------------


# Characters below this code point are folded by one table look-up each; it covers Latin
# (with Vietnamese), Greek, Cyrillic, general punctuation and CJK punctuation.
_FOLD_TABLE_SIZE: Final = 0x3040


def _fold_char(char: str) -> str:
    """Lowercase, strip diacritics from Latin letters, drop marks, punctuation -> space."""
    if char in "đĐÐð":  # NFD leaves the stroked D alone; Ð (U+00D0) is its look-alike.
        return "d"
    folded: list[str] = []
    for ch in char.lower():
        if unicodedata.category(ch).startswith("M"):
            continue  # combining diacritics, as sent by keyboards that type NFD
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            ch = base
        folded.append(ch if ch.isalnum() else " ")
    return "".join(folded)


# A list, not a dict: str.translate indexes it directly, about twice as fast.
_FOLD_TABLE: Final[list[str]] = [_fold_char(chr(cp)) for cp in range(_FOLD_TABLE_SIZE)]
_NON_WORD_RE: Final = re.compile(r"[\W_]+")


def normalize_search_key(text: str) -> str:
    """Lowercase, without diacritics, punctuation and whitespace runs turned into one space.

    ``"Công ty TNHH May 10"`` -> ``"cong ty tnhh may 10"``. It runs on every row of the
    enterprise register during an import, so the common case is one ``translate`` with a
    precomputed table and one split/join.
    """
    folded = text.translate(_FOLD_TABLE)  # code points past the table are left as they are
    if not folded.isascii():
        # Other scripts, CJK or emoji remain: a slower pass that catches what the table missed.
        folded = _NON_WORD_RE.sub(" ", folded.lower())
    return " ".join(folded.split())


_TAX_QUERY_RE: Final = re.compile(r"[0-9]{1,10}(?:-[0-9]{0,3})?")


def looks_like_tax_code(text: str) -> bool:
    """Whether a search query is a whole or partial tax code (digits, maybe one dash).

    Spaces are ignored, as the register search removes them before a prefix match.
    """
    return _TAX_QUERY_RE.fullmatch(re.sub(r"\s+", "", text)) is not None
