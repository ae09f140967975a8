"""Collaborators' leads: report an enterprise, follow it until a CĐCS is founded."""

from __future__ import annotations

from aiogram import Router

router = Router(name="leads")
