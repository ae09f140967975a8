"""People on Zalo, talking to the real Dispatcher through the real Zalo session over HTTP.

Each message a `ZaloUser` sends goes into the fake Zalo server (tests/zalo_server.py), comes
back through `getUpdates` on the wire, and is handled by the channel as in production; what the
bot answers is what the server received on `sendMessage`. The user has the same `send`,
`click` and `last` as the simulator's, so journeys (tests/journeys.py) run on both channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import Settings
from bot.zalo.channel import ZaloChannel, build_zalo
from models.db import create_engine, create_session_factory
from services.people import get_or_create_person
from tests.conftest import NOW, dispose, sqlite_url, t
from tests.zalo_server import ZaloServer

_NUMBERED = re.compile(r"^(\d+)\. (.+)$")
_TYPED = re.compile(r"^• (.+)$")
_HINTS = {
    t(key, locale) for key in ("zalo-menu-hint", "zalo-type-phone") for locale in ("vi", "en")
}


@dataclass(frozen=True)
class Seen:
    """A message as the person sees it (`shown`), and its `text` without the menu under it,
    so that assertions read as they do for Telegram."""

    shown: str

    @property
    def text(self) -> str:
        body, _, block = self.shown.rpartition("\n\n")
        menu = block.splitlines()
        is_menu = [bool(_NUMBERED.match(line) or _TYPED.match(line)) for line in menu]
        hinted = any(line in _HINTS or line.startswith("• ") for line in menu)
        if (
            body
            and hinted
            and all(m or line in _HINTS for m, line in zip(is_menu, menu, strict=True))
        ):
            return body
        return self.shown


@dataclass
class ZaloWorld:
    server: ZaloServer
    channel: ZaloChannel
    users: dict[str, ZaloUser] = field(default_factory=dict)

    async def step(self) -> None:
        """Take one update from the server, over HTTP, and handle it."""
        event = await self.channel.api.call("getUpdates", wait=1, timeout="1")
        await self.channel.handle(event)

    def user(self, zalo_id: str, name: str = "Lan") -> ZaloUser:
        user = ZaloUser(self, zalo_id, name)
        self.users[zalo_id] = user
        return user

    async def person_id(self, zalo_id: str) -> int:
        """The person behind a Zalo chat (created, as on its first message)."""
        chat_id = await self.channel.chats.arrived(zalo_id)
        async with self.channel.chats.session_factory() as session:
            person, _ = await get_or_create_person(session, "zalo", chat_id, "vi")
            await session.commit()
            return person.id

    async def close(self) -> None:
        await self.channel.bot.session.close()
        await self.server.stop()


async def open_zalo_world(database: Path | str, **settings: object) -> tuple[ZaloWorld, object]:
    """The Zalo channel on a database (a SQLite file, or a URL) and a fresh fake Zalo server."""
    server = ZaloServer()
    url = await server.start()
    config = Settings(  # type: ignore[call-arg]
        database_url=sqlite_url(database) if isinstance(database, Path) else database,
        zalo_bot_token=server.token,
        zalo_api_url=url,
        _env_file=None,
        **settings,
    )
    engine = create_engine(config.database_url)
    channel = build_zalo(config, create_session_factory(engine), clock=lambda: NOW)
    return ZaloWorld(server, channel), engine


async def close_zalo_world(world: ZaloWorld, engine: object) -> None:
    await world.close()
    await dispose(engine)  # type: ignore[arg-type]


@dataclass
class ZaloUser:
    world: ZaloWorld
    zalo_id: str
    name: str
    inbox: list[Seen] = field(default_factory=list)

    async def _after(self, push: str) -> list[Seen]:
        del push
        server = self.world.server
        before = len(server.sent)
        await self.world.step()
        mine: list[Seen] = []
        for message in server.sent[before:]:
            owner = self.world.users.get(message.chat_id)
            if owner is not None:
                owner.inbox.append(Seen(message.text))
            if message.chat_id == self.zalo_id:
                mine.append(owner.inbox[-1] if owner is not None else Seen(message.text))
        return mine

    async def send(self, text: str) -> list[Seen]:
        return await self._after(self.world.server.text(self.zalo_id, text, self.name))

    async def send_image(self) -> list[Seen]:
        return await self._after(self.world.server.image(self.zalo_id, self.name))

    async def send_sticker(self) -> list[Seen]:
        return await self._after(self.world.server.sticker(self.zalo_id, self.name))

    @property
    def last(self) -> Seen:
        assert self.inbox, "the bot has not said anything yet"
        return self.inbox[-1]

    def choice(self, label: str) -> str:
        """What to type to pick `label` in the newest menu: its number, or its label."""
        for message in reversed(self.inbox):
            lines = message.shown.splitlines()
            numbered = [m for m in map(_NUMBERED.match, lines) if m]
            typed = [m for m in map(_TYPED.match, lines) if m]
            if not numbered and not typed:
                continue
            for match in numbered:
                if label == match[2] or label in match[2]:
                    return match[1]
            for match in typed:
                if label == match[1] or label in match[1]:
                    return match[1]
            shown = [m[2] for m in numbered] + [m[1] for m in typed]
            raise AssertionError(f"no choice {label!r}; the newest menu has {shown}")
        raise AssertionError("no menu was shown")

    async def click(self, label: str) -> list[Seen]:
        return await self.send(self.choice(label))
