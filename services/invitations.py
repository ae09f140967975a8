"""Invitations: single-use, expiring deep-link tokens that grant a role over a unit subtree."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Invitation, Person, Role, RoleGrant, Unit, UnitKind
from models.base import as_utc, utcnow
from services import audit
from services.access import grant_role

PREFIX = "inv_"
DEFAULT_TTL = timedelta(days=7)
_DURATION = re.compile(r"^(\d{1,4})([dhm])$")


class InvitationError(Exception):
    """Why a token cannot be used: unknown, used, expired or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class NewInvitation:
    invitation: Invitation
    token: str

    @property
    def start_parameter(self) -> str:
        return PREFIX + self.token


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h` or `30m`."""
    match = _DURATION.match(text.strip())
    if match is None or int(match[1]) == 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 7d, 12h, 30m)")
    amount, unit = int(match[1]), match[2]
    return {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
    }[unit]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str | None, parameter: str | None = None) -> str:
    """The bot's t.me link, opening it with /start `parameter` when one is given."""
    link = f"https://t.me/{bot_username or '<bot>'}"
    return link if parameter is None else f"{link}?start={parameter}"


def qr_png(data: str) -> bytes:
    """A QR code for a link, as PNG bytes (pure Python; no imaging library needed)."""
    import qrcode
    from qrcode.image.pure import PyPNGImage

    # 16-pixel modules print sharply on A4; a 4-module quiet zone is what scanners expect.
    image = qrcode.make(data, image_factory=PyPNGImage, box_size=16, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def role_misfit(role: str, unit: Unit) -> str | None:
    """Why `role` does not fit `unit`, if it does not: a collaborator chairs a ward union."""
    if role == Role.COLLABORATOR and unit.kind != UnitKind.WARD_UNION:
        return (
            f"a collaborator is a ward union chair, and {unit.code} is a {unit.kind}, "
            f"not a {UnitKind.WARD_UNION}"
        )
    return None


def _new_token() -> str:
    # A token starting with "-" reads as an option on a command line (invite --revoke).
    while (token := secrets.token_urlsafe(18)).startswith("-"):
        pass
    return token


async def create_invitation(
    session: AsyncSession,
    role: str,
    unit: Unit,
    *,
    created_by: int | None = None,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
) -> NewInvitation:
    if role not in Role.ALL:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(Role.ALL)}")
    token = _new_token()
    issued = now or utcnow()
    invitation = Invitation(
        token_hash=hash_token(token),
        role=role,
        unit_id=unit.id,
        created_by=created_by,
        created_at=issued,
        expires_at=issued + ttl,
    )
    session.add(invitation)
    await session.flush()
    audit.record(
        session,
        "invitation.created",
        actor_id=created_by,
        subject_type="invitation",
        subject_id=invitation.id,
        role=role,
        unit_id=unit.id,
    )
    return NewInvitation(invitation, token)


async def _find(session: AsyncSession, token: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token.removeprefix(PREFIX)))
    )


async def redeem(
    session: AsyncSession, token: str, person: Person, now: datetime | None = None
) -> tuple[RoleGrant, Unit]:
    """Use a token: grant its role to `person`, once. Failures are audited."""
    moment = now or utcnow()
    invitation = await _find(session, token)
    reason = None
    if invitation is None:
        reason = "unknown"
    elif invitation.revoked_at is not None:
        reason = "revoked"
    elif invitation.used_at is not None:
        reason = "used"
    elif as_utc(invitation.expires_at) <= moment:
        reason = "expired"
    if reason is not None or invitation is None:
        audit.record(
            session,
            "invitation.refused",
            actor_id=person.id,
            subject_type="invitation",
            subject_id=None if invitation is None else invitation.id,
            reason=reason,
        )
        raise InvitationError(reason or "unknown")
    unit = await session.get(Unit, invitation.unit_id)
    assert unit is not None
    invitation.used_at, invitation.used_by = moment, person.id
    grant = await grant_role(
        session,
        person,
        invitation.role,
        unit,
        granted_by=invitation.created_by,
        invitation_id=invitation.id,
    )
    audit.record(
        session,
        "invitation.used",
        actor_id=person.id,
        subject_type="invitation",
        subject_id=invitation.id,
    )
    return grant, unit


async def revoke(session: AsyncSession, token: str, actor_id: int | None = None) -> bool:
    """Revoke an unused invitation by its token (or `inv_` link parameter)."""
    invitation = await _find(session, token)
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        return False
    invitation.revoked_at = utcnow()
    audit.record(
        session,
        "invitation.revoked",
        actor_id=actor_id,
        subject_type="invitation",
        subject_id=invitation.id,
    )
    return True
