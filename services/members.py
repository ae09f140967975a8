"""Member numbers, the member card and its signed verification link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import Counter, Member, MemberStatus, Unit
from models.db import dialect_name

VERIFY_PREFIX = "v_"
SIGNATURE_BYTES = 12  # 96 bits: unguessable, and the link stays short for a QR code


async def next_in_sequence(session: AsyncSession, name: str) -> int:
    """The next value of a named counter: one statement, never the same value twice."""
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = (
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    return int((await session.execute(statement)).scalar_one())


async def new_member_number(session: AsyncSession, union: Unit, year: int) -> str:
    """`<union code>-<year>-<sequence>`: unique in the federation and stable."""
    sequence = await next_in_sequence(session, f"member:{union.code}:{year}")
    return f"{union.code}-{year}-{sequence:05d}"


def signature(secret: bytes, number: str) -> str:
    digest = hmac.new(secret, number.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verification_parameter(secret: bytes, number: str) -> str:
    """The deep-link parameter a member card's QR code carries: `v_<number>_<signature>`."""
    return f"{VERIFY_PREFIX}{number}_{signature(secret, number)}"


@dataclass(frozen=True, slots=True)
class Verified:
    member: Member | None  # None: no such member, or a wrong signature
    union: Unit | None

    @property
    def valid(self) -> bool:
        return self.member is not None and self.member.status == MemberStatus.ACTIVE


async def verify(session: AsyncSession, secret: bytes, parameter: str) -> Verified:
    """The member a card's link names, if its signature holds (compared in constant time)."""
    number, _, given = parameter.removeprefix(VERIFY_PREFIX).rpartition("_")
    if not number or not hmac.compare_digest(given.encode(), signature(secret, number).encode()):
        return Verified(None, None)
    member = await session.scalar(select(Member).where(Member.number == number))
    union = await session.get(Unit, member.union_unit_id) if member is not None else None
    return Verified(member, union)


# ---- the card ----------------------------------------------------------------------------

CARD_SIZE = (1012, 638)  # ID-1 (85.6 × 54 mm) at 300 dpi
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (Vietnamese diacritics) where the system has it; Pillow's own otherwise."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def qr_image(link: str, box: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(link)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if cell else 255 for row in matrix for cell in row])
    return image.resize((box, box), Image.Resampling.NEAREST)


@dataclass(frozen=True, slots=True)
class CardText:
    """The card's words, already in the member's language."""

    title: str
    name: str
    number_label: str
    number: str
    union_label: str
    union: str
    since_label: str
    since: str


def member_card_png(text: CardText, link: str) -> bytes:
    """The member card: name, number, union, date and a QR code of the verification link."""
    image = Image.new("RGB", CARD_SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CARD_SIZE[0], 110), fill=(0, 84, 166))
    draw.text((40, 32), text.title, font=_font(True, 44), fill=(255, 255, 255))
    draw.text((40, 150), text.name, font=_font(True, 46), fill=(0, 0, 0))
    rows = (
        (text.number_label, text.number),
        (text.union_label, text.union),
        (text.since_label, text.since),
    )
    y = 240
    for label, value in rows:
        draw.text((40, y), label, font=_font(False, 24), fill=(90, 90, 90))
        for line in _wrap(value, 28):
            y += 34
            draw.text((40, y), line, font=_font(True, 30), fill=(0, 0, 0))
        y += 50
    image.paste(qr_image(link, 300), (CARD_SIZE[0] - 330, 200))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(value: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in value.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:2] or [""]


def card_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
