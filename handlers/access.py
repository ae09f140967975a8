"""Roles by invitation: redeem an invitation link; officers invite collaborators."""

from __future__ import annotations

from aiogram import Router

router = Router(name="access")
