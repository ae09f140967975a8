"""A small but real Telegram Bot API HTTP server for end-to-end tests.

The bot under test talks to this server over HTTP exactly as it would talk to
``api.telegram.org`` (point aiogram at it with
``TelegramAPIServer.from_base(server.base_url)``). The test drives simulated
users through :meth:`BotAPIServer.user` and reads the conversation back with
:meth:`SimulatedUser.wait_message`.

The server deliberately reproduces the Telegram behaviours that cause real bugs:
long polling with offset confirmation, at-least-once redelivery, HTML/Markdown
entity parsing errors, ``message is not modified`` on identical edits, inline
keyboards disappearing when an edit omits ``reply_markup``, the 64-byte
``callback_data`` limit, callback queries answerable only once, and users who
blocked the bot or never started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import re
import secrets
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Self

from aiohttp import web

__all__ = [
    "TINY_PNG",
    "ApiError",
    "BotAPIServer",
    "BotMessage",
    "RecordedRequest",
    "SentFile",
    "SimulatedUser",
    "UploadedFile",
    "format_text",
    "image_size",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

JSONDict = dict[str, Any]

# Telegram's own limits; the bot must respect them or it fails in production.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024

# Update types Telegram only sends when explicitly listed in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Parameters that carry JSON-serialized objects when sent as form fields.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
    }
)
MARKUP_ERROR = "can't parse reply keyboard markup JSON object"
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_BOT_COMMAND_IN_TEXT_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


class ApiError(Exception):
    """An error answered to the bot in Telegram's wire format."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


# --------------------------------------------------------------------------------------
# Text formatting (parse_mode) — Telegram returns plain text plus entities, and rejects
# malformed markup. Offsets are in UTF-16 code units, as in the real API.
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _EntityParseError(Exception):
    pass


class _TextBuilder:
    """Accumulates output text while tracking the UTF-16 position entities refer to."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JSONDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def entity(self, start: int, entity: JSONDict) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({**entity, "offset": start, "length": length})

    def result(self) -> tuple[str, list[JSONDict]]:
        return "".join(self.parts), self.entities


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,16});")
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_HTML_TAGS = frozenset({*_HTML_SIMPLE_TAGS, "span", "a", "blockquote", "tg-emoji"})


def _decode_html_entity(source: str, index: int) -> tuple[str, int]:
    """Decode ``&...;`` at index; unsupported entities stay literal, like Telegram."""
    match = _HTML_ENTITY_RE.match(source, index)
    if match is None:
        return "&", 1
    body = match.group(1)
    if body[0] != "#":
        named = _HTML_NAMED_ENTITIES.get(body)
        return (named, match.end() - index) if named else ("&", 1)
    code_point = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
    if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
        return chr(code_point), match.end() - index
    return "&", 1


def _parse_html_attributes(source: str, index: int, tag_offset: int) -> tuple[dict[str, str], int]:
    """Parse attributes after a tag name; returns (attributes, index after '>')."""
    attributes: dict[str, str] = {}
    length = len(source)
    while True:
        while index < length and source[index].isspace():
            index += 1
        if index >= length:
            raise _EntityParseError(f"Unclosed start tag at byte offset {tag_offset}")
        if source[index] == ">":
            return attributes, index + 1
        start = index
        while index < length and (source[index].isalnum() or source[index] in "-_"):
            index += 1
        name = source[start:index].lower()
        if not name:
            raise _EntityParseError(f"Empty attribute name in the tag at byte offset {tag_offset}")
        while index < length and source[index].isspace():
            index += 1
        if index < length and source[index] == "=":
            index += 1
            while index < length and source[index].isspace():
                index += 1
            if index >= length:
                raise _EntityParseError(f"Unclosed start tag at byte offset {tag_offset}")
            quote = source[index]
            if quote in "\"'":
                end = source.find(quote, index + 1)
                if end == -1:
                    raise _EntityParseError(f"Unclosed start tag at byte offset {tag_offset}")
                raw_value = source[index + 1 : end]
                index = end + 1
            else:
                start = index
                while index < length and not source[index].isspace() and source[index] != ">":
                    index += 1
                raw_value = source[start:index]
            value_parts: list[str] = []
            position = 0
            while position < len(raw_value):
                if raw_value[position] == "&":
                    decoded, consumed = _decode_html_entity(raw_value, position)
                    value_parts.append(decoded)
                    position += consumed
                else:
                    value_parts.append(raw_value[position])
                    position += 1
            attributes[name] = "".join(value_parts)
        else:
            attributes[name] = ""


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: supported tags only, strict nesting."""
    out = _TextBuilder()
    # Each open tag: (name, start position, entity or None, attributes).
    stack: list[tuple[str, int, JSONDict | None]] = []
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char == "&":
            decoded, consumed = _decode_html_entity(source, index)
            out.add(decoded)
            index += consumed
            continue
        if char != "<":
            out.add(char)
            index += 1
            continue
        tag_offset = _byte_offset(source, index)
        if source.startswith("</", index):
            end = source.find(">", index)
            if end == -1:
                raise _EntityParseError(f"Unclosed end tag at byte offset {tag_offset}")
            name = source[index + 2 : end].strip().lower()
            if not stack:
                raise _EntityParseError(f"Unexpected end tag at byte offset {tag_offset}")
            open_name, start, open_entity = stack.pop()
            if name and name != open_name:
                raise _EntityParseError(
                    f'Unmatched end tag at byte offset {tag_offset}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            if open_entity is not None:
                out.entity(start, open_entity)
            index = end + 1
            continue
        name_end = index + 1
        while name_end < length and (
            source[name_end].isascii() and (source[name_end].isalnum() or source[name_end] == "-")
        ):
            name_end += 1
        name = source[index + 1 : name_end].lower()
        if name not in _HTML_TAGS:
            raise _EntityParseError(f'Unsupported start tag "{name}" at byte offset {tag_offset}')
        attributes, index = _parse_html_attributes(source, name_end, tag_offset)
        entity: JSONDict | None
        if name in _HTML_SIMPLE_TAGS:
            entity = {"type": _HTML_SIMPLE_TAGS[name]}
            if name == "code" and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x"> is one pre entity with a language.
                language = attributes.get("class", "")
                parent = stack[-1][2]
                if language.startswith("language-") and parent is not None:
                    parent["language"] = language.removeprefix("language-")
                entity = None
        elif name == "span":
            if attributes.get("class") != "tg-spoiler":
                raise _EntityParseError('Tag "span" must have class "tg-spoiler"')
            entity = {"type": "spoiler"}
        elif name == "a":
            href = attributes.get("href", "")
            entity = {"type": "text_link", "url": href} if href else None
        elif name == "blockquote":
            kind = "expandable_blockquote" if "expandable" in attributes else "blockquote"
            entity = {"type": kind}
        else:  # tg-emoji
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                raise _EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        stack.append((name, out.pos, entity))
    if stack:
        raise _EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "code": "Code",
    "pre": "Pre",
}


def parse_markdown_v2(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's MarkdownV2: every reserved character outside entities must be escaped."""
    out = _TextBuilder()
    # Each open entity: (type, start position, byte offset of its opening, extra fields).
    stack: list[tuple[str, int, int, JSONDict]] = []
    quote_start: int | None = None
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if at_line_start and not stack:
            if char == ">":
                if quote_start is None:
                    quote_start = out.pos
                index += 1
                continue
            if quote_start is not None:
                # The quote covered the previous lines, minus the newline that ended them.
                out.pos -= 1
                out.entity(quote_start, {"type": "blockquote"})
                out.pos += 1
                quote_start = None
        if char == "\\" and index + 1 < length and 0 < ord(source[index + 1]) <= 126:
            out.add(source[index + 1])
            index += 2
            continue
        top = stack[-1][0] if stack else None
        if top in ("code", "pre"):
            closing = "```" if top == "pre" else "`"
            if source.startswith(closing, index):
                _, start, _, code_extra = stack.pop()
                out.entity(start, {"type": top, **code_extra})
                index += len(closing)
            else:
                out.add(char)
                index += 1
            continue
        if char not in _MARKDOWN_V2_RESERVED:
            out.add(char)
            index += 1
            continue
        # Only the innermost open entity can be closed, as in Telegram's parser.
        closers = {
            "bold": "*",
            "italic": "_",
            "underline": "__",
            "strikethrough": "~",
            "spoiler": "||",
            "text_link": "]",
            "custom_emoji": "]",
        }
        closer = closers.get(top or "")
        # A single "_" closes italic only when it does not start "__" (underline).
        italic_blocked = top == "italic" and source.startswith("__", index)
        end_length = 0
        if closer is not None and source.startswith(closer, index) and not italic_blocked:
            end_length = len(closer)
        if end_length:
            closed_type, start, opening, closed_extra = stack.pop()
            index += end_length
            if closed_type in ("text_link", "custom_emoji"):
                url, index = _markdown_v2_url(source, index, opening)
                if closed_type == "custom_emoji":
                    prefix = "tg://emoji?id="
                    if url is None or not url.startswith(prefix):
                        raise _EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                    emoji_id = url[len(prefix) :]
                    out.entity(start, {"type": "custom_emoji", "custom_emoji_id": emoji_id})
                elif url:
                    out.entity(start, {"type": "text_link", "url": url})
            else:
                out.entity(start, {"type": closed_type, **closed_extra})
            continue
        opening = _byte_offset(source, index)
        extra: JSONDict = {}
        if char == "_" and source.startswith("__", index):
            entity_type, index = "underline", index + 2
        elif char == "_":
            entity_type, index = "italic", index + 1
        elif char == "*":
            entity_type, index = "bold", index + 1
        elif char == "~":
            entity_type, index = "strikethrough", index + 1
        elif char == "|" and source.startswith("||", index):
            entity_type, index = "spoiler", index + 2
        elif char == "[":
            entity_type, index = "text_link", index + 1
        elif char == "!" and source.startswith("![", index):
            entity_type, index = "custom_emoji", index + 2
        elif char == "`" and source.startswith("```", index):
            entity_type, index = "pre", index + 3
            newline = source.find("\n", index)
            closing_at = source.find("```", index)
            if newline != -1 and (closing_at == -1 or newline < closing_at):
                language = source[index:newline]
                if language and not any(c.isspace() for c in language):
                    extra = {"language": language}
                    index = newline + 1
                elif not language:
                    index = newline + 1
        elif char == "`":
            entity_type, index = "code", index + 1
        else:
            raise _EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        stack.append((entity_type, out.pos, opening, extra))
    if stack:
        unclosed_type, _, unclosed_at, _ = stack[-1]
        raise _EntityParseError(
            f"Can't find end of {_MARKDOWN_V2_NAMES[unclosed_type]} entity "
            f"at byte offset {unclosed_at}"
        )
    if quote_start is not None:
        out.entity(quote_start, {"type": "blockquote"})
    return out.result()


def _markdown_v2_url(source: str, index: int, opening: int) -> tuple[str | None, int]:
    """Read ``(url)`` after ``]``; inside it only ``)`` and ``\\`` need escaping."""
    if index >= len(source) or source[index] != "(":
        return None, index
    index += 1
    parts: list[str] = []
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            parts.append(source[index + 1])
            index += 2
            continue
        if char == ")":
            return "".join(parts), index + 1
        parts.append(char)
        index += 1
    raise _EntityParseError(f"Can't find end of a URL at byte offset {opening}")


def parse_markdown(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out = _TextBuilder()
    index = 0
    length = len(source)
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while index < length:
        char = source[index]
        if char == "\\" and index + 1 < length and source[index + 1] in "_*`[":
            out.add(source[index + 1])
            index += 2
            continue
        if char not in "_*`[":
            out.add(char)
            index += 1
            continue
        opening = _byte_offset(source, index)
        unclosed = f"Can't find end of the entity starting at byte offset {opening}"
        if char == "[":
            close = source.find("]", index + 1)
            if close == -1:
                raise _EntityParseError(unclosed)
            start = out.pos
            out.add(source[index + 1 : close])
            if close + 1 < length and source[close + 1] == "(":
                url_end = source.find(")", close + 2)
                if url_end == -1:
                    raise _EntityParseError(unclosed)
                out.entity(start, {"type": "text_link", "url": source[close + 2 : url_end]})
                index = url_end + 1
            else:
                index = close + 1
            continue
        if source.startswith("```", index):
            close = source.find("```", index + 3)
            if close == -1:
                raise _EntityParseError(unclosed)
            content = source[index + 3 : close]
            entity: JSONDict = {"type": "pre"}
            first_line, newline, rest = content.partition("\n")
            if newline and first_line and not any(c.isspace() for c in first_line):
                entity["language"] = first_line
                content = rest
            start = out.pos
            out.add(content)
            out.entity(start, entity)
            index = close + 3
            continue
        close = source.find(char, index + 1)
        if close == -1:
            raise _EntityParseError(unclosed)
        start = out.pos
        out.add(source[index + 1 : close])
        out.entity(start, {"type": kinds[char]})
        index = close + 1
    return out.result()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims surrounding whitespace; entity offsets shift with it."""
    whitespace = " \t\r\n"
    left_trimmed = text.lstrip(whitespace)
    lead = utf16_len(text[: len(text) - len(left_trimmed)])
    result = left_trimmed.rstrip(whitespace)
    total = utf16_len(result)
    adjusted: list[JSONDict] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            adjusted.append({**entity, "offset": start, "length": end - start})
    adjusted.sort(key=lambda item: (item["offset"], -item["length"]))
    return result, adjusted


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSONDict]]:
    """Apply parse_mode (or explicit entities) the way Telegram does; raises ApiError."""
    if parse_mode:
        parsers: dict[str, Callable[[str], tuple[str, list[JSONDict]]]] = {
            "html": parse_html,
            "markdownv2": parse_markdown_v2,
            "markdown": parse_markdown,
        }
        parser = parsers.get(parse_mode.lower())
        if parser is None:
            raise _bad_request("unsupported parse_mode")
        try:
            plain, parsed = parser(text)
        except _EntityParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from None
        return _strip_text(plain, parsed)
    given = entities if isinstance(entities, list) else []
    valid = [
        item
        for item in given
        if isinstance(item, dict)
        and isinstance(item.get("offset"), int)
        and isinstance(item.get("length"), int)
    ]
    return _strip_text(text, valid)


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def image_size(data: bytes) -> tuple[int, int] | None:
    """Read width/height from PNG, JPEG, GIF, WebP or BMP headers (no decoding)."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return int(width), int(height)
        if data[:2] == b"BM" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(int(width)), abs(int(height))
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = 1 + int.from_bytes(data[24:27], "little")
                height = 1 + int.from_bytes(data[27:30], "little")
                return width, height
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return int(width) & 0x3FFF, int(height) & 0x3FFF
            if chunk == b"VP8L":
                b = data[21:25]
                width = 1 + (((b[1] & 0x3F) << 8) | b[0])
                height = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
                return width, height
        if data[:2] == b"\xff\xd8":
            index = 2
            while index + 9 < len(data):
                if data[index] != 0xFF:
                    index += 1
                    continue
                marker = data[index + 1]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                    return int(width), int(height)
                if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
                    index += 2 if marker != 0xFF else 1
                    continue
                (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
                index += 2 + int(segment_length)
    except (struct.error, IndexError):
        return None
    return None


# A valid 1x1 PNG, used when a test's user sends a photo without giving bytes.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201ffa6b1a6"
    "520000000049454e44ae426082"
)


@dataclass(repr=False)
class UploadedFile:
    """A multipart file part as received from the bot."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"UploadedFile(filename={self.filename!r}, size={self.size})"


@dataclass(repr=False)
class SentFile:
    """A file known to the server (uploaded by the bot or sent by a simulated user)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document", "sticker"
    data: bytes | None  # None for files the bot passed by URL (never downloaded here)
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None
    file_path: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int | None:
        return None if self.data is None else len(self.data)

    def __repr__(self) -> str:
        return (
            f"SentFile(kind={self.kind!r}, file_name={self.file_name!r}, size={self.size}, "
            f"file_id={self.file_id!r})"
        )


# --------------------------------------------------------------------------------------
# Conversation records
# --------------------------------------------------------------------------------------


class RecordedRequest(NamedTuple):
    """One HTTP call from the bot: canonical method name and decoded parameters."""

    method: str
    params: JSONDict


@dataclass
class BotMessage:
    """Snapshot of a bot message as the user saw it right after a send or an edit."""

    message_id: int
    chat_id: int
    method: str
    edited: bool
    text: str | None
    caption: str | None
    entities: list[JSONDict]
    # The markup exactly as the bot sent it: inline keyboard, reply keyboard,
    # ReplyKeyboardRemove or ForceReply. (Telegram only echoes inline keyboards
    # in the Message object; ``raw`` shows that wire view.)
    reply_markup: JSONDict | None
    raw: JSONDict
    source_text: str | None = None
    parse_mode: str | None = None
    file: SentFile | None = None
    consumed: bool = field(default=False, repr=False, compare=False)

    @property
    def kind(self) -> str:
        for kind in ("photo", "document", "sticker", "contact"):
            if kind in self.raw:
                return kind
        return "text"

    @property
    def content(self) -> str | None:
        """Text for text messages, caption for media."""
        return self.text if self.text is not None else self.caption

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def inline_buttons(self) -> list[tuple[str, str | None]]:
        """Flattened (text, callback_data) pairs; callback_data is None for URL buttons etc."""
        return [
            (str(button.get("text", "")), button.get("callback_data"))
            for row in self.inline_keyboard
            for button in row
        ]

    @property
    def reply_keyboard(self) -> list[list[JSONDict]]:
        markup = self.reply_markup or {}
        rows = markup.get("keyboard")
        if not isinstance(rows, list):
            return []
        return [[_keyboard_button(button) for button in row] for row in rows]

    @property
    def reply_buttons(self) -> list[str]:
        return [str(button.get("text", "")) for row in self.reply_keyboard for button in row]

    @property
    def removes_reply_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def describe(self) -> str:
        label = "edited " if self.edited else ""
        parts = [f"#{self.message_id} {label}{self.kind} {self.content!r}"]
        if self.inline_buttons:
            parts.append(f"inline={[text for text, _ in self.inline_buttons]}")
        if self.reply_buttons:
            parts.append(f"reply_keyboard={self.reply_buttons}")
        return " ".join(parts)


def _keyboard_button(button: Any) -> JSONDict:
    # Reply keyboards accept bare strings as buttons (legacy form).
    return {"text": button} if isinstance(button, str) else dict(button)


@dataclass
class _StoredMessage:
    raw: JSONDict
    from_bot: bool
    sent_markup: JSONDict | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    file: SentFile | None = None
    deleted: bool = False


@dataclass
class _PendingUpdate:
    update: JSONDict
    copies_left: int
    delivered: bool = False
    redeliver: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class _CallbackQuery:
    query_id: str
    user_id: int
    update: JSONDict
    answer: JSONDict | None = None


@dataclass
class Hold:
    """Requests of one method to one chat, kept open and unrecorded until released."""

    method: str  # lower-case
    chat_id: int
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class _InjectedError:
    method: str  # lower-case
    error: ApiError
    times: int


# --------------------------------------------------------------------------------------
# Simulated users
# --------------------------------------------------------------------------------------


_SELF: Any = object()


class SimulatedUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        server: BotAPIServer,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        phone_number: str | None,
        started: bool,
    ) -> None:
        self._server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.phone_number = phone_number
        # Telegram refuses bot-initiated conversations until the user wrote first.
        self.started = started
        self.blocked = False
        self.messages: list[BotMessage] = []  # every bot send/edit in this chat, in order
        self.deleted_message_ids: list[int] = []
        self.last_callback_query_id: str | None = None
        self._store: dict[int, _StoredMessage] = {}
        self._next_message_id = 1
        # The reply keyboard currently shown: (message id that set it, markup).
        self._reply_keyboard: tuple[int, JSONDict] | None = None
        self._chat_instance = str(secrets.randbits(62))

    # ----- wire objects -------------------------------------------------------------

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def _allocate_message_id(self) -> int:
        # Private chats share one increasing counter for both sides of the conversation.
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def _new_message(self, **content: Any) -> JSONDict:
        if self.blocked:
            raise AssertionError(
                f"user {self.id} has blocked the bot; call unblock() before sending"
            )
        self.started = True
        message: JSONDict = {
            "message_id": self._allocate_message_id(),
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
            **content,
        }
        self._store[message["message_id"]] = _StoredMessage(raw=message, from_bot=False)
        return message

    def _reply_fields(self, reply_to: BotMessage | JSONDict | int | None) -> JSONDict:
        if reply_to is None:
            return {}
        stored = self._stored(reply_to)
        return {"reply_to_message": _without_reply(stored.raw)}

    # ----- user actions -------------------------------------------------------------

    async def send_text(
        self, text: str, *, reply_to: BotMessage | JSONDict | int | None = None
    ) -> JSONDict:
        """Send a text message (bot commands get bot_command entities, like Telegram)."""
        content: JSONDict = {"text": text, **self._reply_fields(reply_to)}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
            for match in _BOT_COMMAND_IN_TEXT_RE.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        return self._server.enqueue_update({"message": self._new_message(**content)})

    async def send_contact(
        self,
        phone_number: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = _SELF,
    ) -> JSONDict:
        """Share a contact; by default the user's own (user_id set, as with request_contact).

        Pass ``user_id=None`` to share somebody else's contact card. Note that real
        Telegram clients may deliver the number without the leading ``+``.
        """
        phone = phone_number if phone_number is not None else self.phone_number
        if phone is None:
            raise AssertionError(
                f"user {self.id} has no phone_number; pass one to send_contact() or user()"
            )
        own = user_id is _SELF
        contact: JSONDict = {
            "phone_number": phone,
            "first_name": first_name or (self.first_name if own else "Contact"),
        }
        surname = last_name if last_name is not None else (self.last_name if own else None)
        if surname:
            contact["last_name"] = surname
        resolved_user_id = self.id if own else user_id
        if resolved_user_id is not None:
            contact["user_id"] = resolved_user_id
        return self._server.enqueue_update({"message": self._new_message(contact=contact)})

    async def send_sticker(self, emoji: str = "👍") -> JSONDict:
        sticker_file = self._server.register_file(
            "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8X", file_name="sticker.webp"
        )
        sticker = {
            "file_id": sticker_file.file_id,
            "file_unique_id": sticker_file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": sticker_file.size,
        }
        return self._server.enqueue_update({"message": self._new_message(sticker=sticker)})

    async def send_photo(
        self, data: bytes | None = None, *, caption: str | None = None
    ) -> JSONDict:
        payload = TINY_PNG if data is None else data
        width, height = image_size(payload) or (1, 1)
        photo = self._server.register_file(
            "photo", payload, file_name="photo.jpg", width=width, height=height
        )
        content: JSONDict = {"photo": [_photo_size(photo)]}
        if caption:
            content["caption"] = caption
        return self._server.enqueue_update({"message": self._new_message(**content)})

    async def send_document(
        self,
        data: bytes,
        file_name: str = "file.bin",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> JSONDict:
        document = self._server.register_file(
            "document", data, file_name=file_name, mime_type=mime_type or _guess_mime(file_name)
        )
        content: JSONDict = {"document": _document_object(document)}
        if caption:
            content["caption"] = caption
        return self._server.enqueue_update({"message": self._new_message(**content)})

    async def click(self, message: BotMessage | JSONDict | int, text: str) -> JSONDict:
        """Press an inline button of a bot message (its current state, as the user sees it).

        Matches the button text exactly first, then case-insensitively, then by
        substring. Returns the callback_query update.
        """
        if self.blocked:
            raise AssertionError(f"user {self.id} has blocked the bot; call unblock() first")
        stored = self._stored(message)
        if not stored.from_bot:
            raise AssertionError("only messages sent by the bot have inline buttons")
        markup = stored.raw.get("reply_markup") or {}
        buttons = [button for row in markup.get("inline_keyboard", []) for button in row]
        button = _match_button(buttons, text, f"message #{stored.raw['message_id']}")
        data = button.get("callback_data")
        if data is None:
            kinds = [key for key in INLINE_BUTTON_ACTIONS if key in button]
            raise AssertionError(
                f"button {button.get('text')!r} is not a callback button ({kinds}); "
                "the client would not send a callback_query"
            )
        query_id = str(secrets.randbits(63))
        callback: JSONDict = {
            "id": query_id,
            "from": self.as_user(),
            "message": copy.deepcopy(stored.raw),
            "chat_instance": self._chat_instance,
            "data": data,
        }
        update = self._server.enqueue_update({"callback_query": callback})
        self._server._register_callback(_CallbackQuery(query_id, self.id, update))
        self.last_callback_query_id = query_id
        return update

    async def press_reply_button(
        self, message: BotMessage | JSONDict | int | None, text: str
    ) -> JSONDict:
        """Press a reply-keyboard button: sends its text, or the contact for request_contact.

        ``message`` is the bot message that carried the keyboard (None: the keyboard
        currently shown). Only the chat's current reply keyboard can be pressed.
        """
        # one_time_keyboard only hides the keyboard (the user can reopen it), so the
        # current keyboard stays pressable until the bot replaces or removes it.
        if self._reply_keyboard is None:
            raise AssertionError(f"user {self.id} has no reply keyboard shown")
        current, markup = self._reply_keyboard
        if message is not None:
            wanted = _message_id_of(message)
            if wanted != current:
                raise AssertionError(
                    f"the reply keyboard of message #{wanted} is no longer shown; "
                    f"message #{current} replaced it"
                )
        rows = markup.get("keyboard", [])
        buttons = [_keyboard_button(button) for row in rows for button in row]
        button = _match_button(buttons, text, f"reply keyboard of message #{current}")
        if button.get("request_contact"):
            return await self.send_contact()
        unsupported = [
            key
            for key in ("request_location", "request_users", "request_chat", "request_poll")
            if key in button
        ]
        if unsupported:
            raise AssertionError(f"button {button['text']!r} uses unsupported {unsupported}")
        return await self.send_text(str(button["text"]))

    async def block(self) -> JSONDict:
        """Block the bot: later sends fail with 403, and a my_chat_member update is queued."""
        self.blocked = True
        return self._server.enqueue_update(
            {"my_chat_member": self._member_change("member", "kicked")}
        )

    async def unblock(self) -> JSONDict:
        self.blocked = False
        return self._server.enqueue_update(
            {"my_chat_member": self._member_change("kicked", "member")}
        )

    def _member_change(self, old: str, new: str) -> JSONDict:
        def member(status: str) -> JSONDict:
            state: JSONDict = {"status": status, "user": self._server.bot_user}
            if status == "kicked":
                state["until_date"] = 0
            return state

        return {
            "chat": self.as_chat(),
            "from": self.as_user(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    # ----- reading the conversation --------------------------------------------------

    async def wait_message(
        self,
        timeout: float = 10,  # noqa: ASYNC109 - a timeout argument is the test-facing API
        predicate: Callable[[BotMessage], bool] | None = None,
    ) -> BotMessage:
        """Return the oldest not-yet-consumed bot message/edit (matching predicate)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.messages:
                if not message.consumed and (predicate is None or predicate(message)):
                    message.consumed = True
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(timeout, predicate is not None))
            await self._server._wait_change(remaining)

    async def assert_no_message(self, within: float = 0.3) -> None:
        """Fail if the bot sends or edits anything in this chat during ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            pending = self.pending_messages()
            if pending:
                raise AssertionError(
                    f"user {self.id}: expected no bot message, got "
                    + "; ".join(message.describe() for message in pending)
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self._server._wait_change(remaining)

    def pending_messages(self) -> list[BotMessage]:
        return [message for message in self.messages if not message.consumed]

    def drain(self) -> list[BotMessage]:
        """Mark every pending bot message as consumed and return them."""
        pending = self.pending_messages()
        for message in pending:
            message.consumed = True
        return pending

    def current(self, message: BotMessage | JSONDict | int) -> BotMessage:
        """The latest state of a message (text and keyboard after all edits)."""
        stored = self._stored(message)
        return _snapshot(self.id, stored, method="current", edited=False)

    @property
    def reply_keyboard_buttons(self) -> list[str]:
        """Texts of the reply keyboard currently shown to the user ([] if none)."""
        if self._reply_keyboard is None:
            return []
        rows = self._reply_keyboard[1].get("keyboard", [])
        return [str(_keyboard_button(button)["text"]) for row in rows for button in row]

    async def wait_callback_answered(
        self,
        query: JSONDict | str | None = None,
        timeout: float = 10,  # noqa: ASYNC109 - a timeout argument is the test-facing API
    ) -> JSONDict:
        """Wait until the bot answers a callback query; returns answerCallbackQuery params.

        ``query`` is the update returned by :meth:`click`, a query id, or None for
        this user's last click.
        """
        if query is None:
            query_id = self.last_callback_query_id
        elif isinstance(query, str):
            query_id = query
        else:
            query_id = str(query["callback_query"]["id"])
        if query_id is None:
            raise AssertionError(f"user {self.id} has not clicked any inline button")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self._server._callbacks.get(query_id)
            if state is not None and state.answer is not None:
                return state.answer
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"callback query {query_id} not answered within {timeout}s"
                    + self._server._delivery_hint(query_id)
                )
            await self._server._wait_change(remaining)

    # ----- helpers -----------------------------------------------------------------

    def _stored(self, message: BotMessage | JSONDict | int) -> _StoredMessage:
        message_id = _message_id_of(message)
        stored = self._store.get(message_id)
        if stored is None:
            raise AssertionError(f"message #{message_id} does not exist in chat {self.id}")
        if stored.deleted:
            raise AssertionError(f"message #{message_id} was deleted in chat {self.id}")
        return stored

    def _timeout_report(self, timeout: float, filtered: bool) -> str:
        lines = [
            f"user {self.id}: no new bot message"
            + (" matching the predicate" if filtered else "")
            + f" within {timeout}s"
        ]
        pending = self.pending_messages()
        if pending:
            lines.append("unconsumed: " + "; ".join(message.describe() for message in pending))
        if self.messages:
            lines.append(f"last bot message: {self.messages[-1].describe()}")
        lines.append(self._server._delivery_hint(None))
        return "\n".join(line for line in lines if line)


def _message_id_of(message: BotMessage | JSONDict | int) -> int:
    if isinstance(message, BotMessage):
        return message.message_id
    if isinstance(message, dict):
        # Accept a Message dict or an update dict wrapping one.
        inner = message.get("message", message)
        return int(inner["message_id"])
    return int(message)


def _match_button(buttons: list[JSONDict], text: str, where: str) -> JSONDict:
    texts = [str(button.get("text", "")) for button in buttons]
    matchers: tuple[Callable[[str], bool], ...] = (
        lambda candidate: candidate == text,
        lambda candidate: candidate.casefold() == text.casefold(),
    )
    for matcher in matchers:
        exact = [button for button, label in zip(buttons, texts, strict=True) if matcher(label)]
        if exact:
            return exact[0]
    partial = [
        button
        for button, label in zip(buttons, texts, strict=True)
        if text.casefold() in label.casefold()
    ]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AssertionError(
            f"button text {text!r} is ambiguous in {where}: "
            f"{[button.get('text') for button in partial]}"
        )
    raise AssertionError(f"no button {text!r} in {where}; available buttons: {texts}")


def _without_reply(raw: JSONDict) -> JSONDict:
    # Telegram never nests reply_to_message more than one level deep.
    return {key: value for key, value in copy.deepcopy(raw).items() if key != "reply_to_message"}


def _photo_size(file: SentFile) -> JSONDict:
    size: JSONDict = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "width": file.width,
        "height": file.height,
    }
    if file.size is not None:
        size["file_size"] = file.size
    return size


def _document_object(file: SentFile) -> JSONDict:
    document: JSONDict = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
    if file.file_name:
        document["file_name"] = file.file_name
    if file.mime_type:
        document["mime_type"] = file.mime_type
    if file.size is not None:
        document["file_size"] = file.size
    return document


def _guess_mime(file_name: str) -> str:
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


def _snapshot(chat_id: int, stored: _StoredMessage, *, method: str, edited: bool) -> BotMessage:
    raw = copy.deepcopy(stored.raw)
    text = raw.get("text")
    caption = raw.get("caption")
    entities = raw.get("entities") if text is not None else raw.get("caption_entities")
    return BotMessage(
        message_id=int(raw["message_id"]),
        chat_id=chat_id,
        method=method,
        edited=edited,
        text=text,
        caption=caption,
        entities=list(entities or []),
        reply_markup=copy.deepcopy(stored.sent_markup),
        raw=raw,
        source_text=stored.source_text,
        parse_mode=stored.parse_mode,
        file=stored.file,
    )


# --------------------------------------------------------------------------------------
# Parameter decoding
# --------------------------------------------------------------------------------------


def _decode_json_param(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _int_param(params: JSONDict, name: str, missing: str | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if missing is not None:
            raise _bad_request(missing)
        return None
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    raise _bad_request(f"invalid {name} specified")


def _float_param(params: JSONDict, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value.strip())
    raise _bad_request(f"invalid {name} specified")


def _bool_param(params: JSONDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _str_param(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _bad_request(f"invalid {name} specified")


def _json_param(params: JSONDict, name: str, error: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(error) from None
    return value


def _validate_markup(markup: Any, *, inline_only: bool) -> tuple[JSONDict | None, JSONDict | None]:
    """Validate reply_markup; returns (inline markup echoed in Message, markup as sent)."""
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        kept = [row for row in rows if row]
        if not kept:
            # Telegram silently drops an empty inline keyboard.
            return None, None
        normalized = {**markup, "inline_keyboard": kept}
        return normalized, normalized
    if inline_only:
        raise _bad_request("REPLY_MARKUP_INVALID")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if isinstance(button, str):
                    continue
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
        return None, markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, markup
    raise _bad_request("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    if not isinstance(button.get("text"), str):
        raise _bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [key for key in INLINE_BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).strip():
        raise _bad_request("BUTTON_URL_INVALID")


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------

Handler = Callable[[JSONDict], Awaitable[Any]]


class BotAPIServer:
    """In-process Telegram Bot API server for one bot token."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_first_name: str = "Test Bot",
        bot_username: str = "test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError(f"token must look like '<bot id>:<secret>', got {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host = host
        self.port = port
        # Every update is handed out this many times (set before enqueueing).
        self.delivery_multiplier = 1
        self.requests: list[RecordedRequest] = []
        # (method, params, error_code, description) of every error answered to the bot.
        self.api_errors: list[tuple[str, JSONDict, int, str]] = []
        # Bugs in this server itself (answered as 500); a test should keep it empty.
        self.internal_errors: list[BaseException] = []
        # update_id of every update handed out by getUpdates, in order.
        self.delivery_log: list[int] = []
        # Updates discarded because allowed_updates excluded their type.
        self.dropped_updates: list[JSONDict] = []
        self._users: dict[int, SimulatedUser] = {}
        self._pending: list[_PendingUpdate] = []
        self._next_update_id = 700_000_001
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._poll_generation = 0
        self._active_polls = 0
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._files: dict[str, SentFile] = {}
        self._files_by_path: dict[str, SentFile] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._injected: list[_InjectedError] = []
        self._holds: list[Hold] = []
        # What setWebhook registered: the URL and the secret token Telegram would send.
        self.webhook_url = ""
        self.webhook_secret = ""
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("getFile", self._get_file),
                ("close", self._close),
                ("logOut", self._log_out),
            )
        }

    # ----- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        # handler_cancellation: a poller that disconnects frees its long poll at once.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls, then close the listening socket and connections."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self.port}"

    # ----- test-facing helpers --------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        phone_number: str | None = None,
        started: bool = False,
    ) -> SimulatedUser:
        """Get or create a simulated user (same object for the same id)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("private chat ids are positive user ids")
        created = SimulatedUser(
            self,
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone_number=phone_number,
            started=started,
        )
        self._users[user_id] = created
        return created

    def enqueue_update(self, payload: JSONDict) -> JSONDict:
        """Queue a raw update (``{"message": {...}}`` etc.); update_id is assigned here."""
        update: JSONDict = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        kind = next(key for key in payload if key != "update_id")
        # Telegram applies allowed_updates when an update is created, not when delivered.
        if not self._allows(kind):
            self.dropped_updates.append(update)
        else:
            copies = max(1, int(self.delivery_multiplier))
            self._pending.append(_PendingUpdate(update=update, copies_left=copies))
        self._notify()
        return update

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot (including owed redeliveries)."""
        return [entry.update for entry in self._pending]

    @property
    def is_polling(self) -> bool:
        return self._active_polls > 0

    def calls(self, method: str) -> list[JSONDict]:
        """Parameters of every request to ``method`` (case-insensitive), in order."""
        wanted = method.lower()
        return [request.params for request in self.requests if request.method.lower() == wanted]

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    def file(self, file_id: str) -> SentFile:
        return self._files[file_id]

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str = "Bad Request: injected error",
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error (e.g. 429 flood wait)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._injected.append(
            _InjectedError(method.lower(), ApiError(error_code, description, parameters), times)
        )

    def hold(self, method: str, chat_id: int) -> Hold:
        """Stall ``method`` requests to ``chat_id``: the HTTP request stays open and nothing is
        recorded until ``release()``; a request whose client went away meanwhile is dropped,
        as a message never sent."""
        held = Hold(method.lower(), chat_id)
        self._holds.append(held)
        return held

    async def wait_polling(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until the bot sits in a getUpdates long poll (startup finished)."""
        await self._wait_for(lambda: self._active_polls > 0, timeout, "bot did not start polling")

    async def wait_idle(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until every queued update was confirmed and the bot is polling again."""
        await self._wait_for(
            lambda: not self._pending and self._active_polls > 0,
            timeout,
            "bot did not confirm all updates",
        )

    async def wait_request(
        self,
        method: str,
        timeout: float = 10,  # noqa: ASYNC109
        predicate: Callable[[JSONDict], bool] | None = None,
        *,
        start: int = 0,
    ) -> JSONDict:
        """Wait for a request to ``method`` at index >= ``start`` in :attr:`requests`."""
        wanted = method.lower()
        found: list[JSONDict] = []

        def check() -> bool:
            for request in self.requests[start:]:
                if request.method.lower() == wanted and (
                    predicate is None or predicate(request.params)
                ):
                    found.append(request.params)
                    return True
            return False

        await self._wait_for(check, timeout, f"no {method} request")
        return found[0]

    # ----- internals: waiting ------------------------------------------------------

    def _notify(self) -> None:
        # Replace the event so each waiter sees exactly the changes after it started waiting.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, seconds: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 10,  # noqa: ASYNC109
        what: str = "the condition was not met",
    ) -> None:
        """Wait until `condition()` holds, checked after each change the server sees."""
        await self._wait_for(condition, timeout, what)

    async def _wait_for(self, condition: Callable[[], bool], seconds: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{what} within {seconds}s" + self._delivery_hint(None))
            await self._wait_change(remaining)

    def _delivery_hint(self, query_id: str | None) -> str:
        hints: list[str] = []
        if query_id is not None and any(
            update.get("callback_query", {}).get("id") == query_id
            for update in self.dropped_updates
        ):
            hints.append(
                "the callback_query was dropped: allowed_updates="
                f"{sorted(self._allowed_updates or [])} (no callback handler registered?)"
            )
        if self._pending:
            hints.append(
                f"{len(self._pending)} update(s) not confirmed by the bot "
                f"(polling now: {self.is_polling})"
            )
        if self.api_errors:
            method, _, code, description = self.api_errors[-1]
            hints.append(f"last API error answered: {method} -> {code} {description}")
        if self.internal_errors:
            hints.append(f"server internal errors: {self.internal_errors!r}")
        return "".join(f"\n  note: {hint}" for hint in hints)

    def _allows(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    # ----- internals: HTTP -----------------------------------------------------------

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = dict(request.query)
        if not request.body_exists:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise _bad_request("JSON object expected in request body")
            params.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                else:
                    params[key] = value
        return params

    @staticmethod
    def _json_response(payload: JSONDict, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(payload, ensure_ascii=False),
            status=status,
            content_type="application/json",
        )

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return self._json_response(ApiError(404, "Not Found").payload(), 404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        known = self._methods.get(raw_method.lower())
        method_name = known[0] if known else raw_method
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            self.requests.append(RecordedRequest(method_name, {}))
            return self._error_response(method_name, {}, exc)
        if not await self._pass_hold(request, method_name, params):
            return web.Response(status=499)
        logged = {
            key: _decode_json_param(value) if key in JSON_PARAMS else value
            for key, value in params.items()
        }
        self.requests.append(RecordedRequest(method_name, logged))
        self._notify()
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found")
            self._raise_injected(method_name)
            result = await known[1](params)
        except ApiError as exc:
            return self._error_response(method_name, logged, exc)
        except Exception as exc:  # a bug in this server must surface, not hang the bot
            self.internal_errors.append(exc)
            self._notify()
            error = ApiError(500, f"Internal Server Error: {type(exc).__name__}: {exc}")
            return self._error_response(method_name, logged, error)
        return self._json_response({"ok": True, "result": result})

    async def _pass_hold(self, request: web.Request, method: str, params: JSONDict) -> bool:
        """Wait out a hold on this request; False when its client is gone by then."""
        held = next(
            (
                h
                for h in self._holds
                if h.method == method.lower()
                and str(params.get("chat_id")) == str(h.chat_id)
                and not h.released.is_set()
            ),
            None,
        )
        if held is None:
            return True
        held.arrived.set()
        self._notify()
        await held.released.wait()
        with contextlib.suppress(ValueError):
            self._holds.remove(held)
        return request.transport is not None and not request.transport.is_closing()

    def _error_response(self, method: str, params: JSONDict, error: ApiError) -> web.Response:
        self.api_errors.append((method, params, error.error_code, error.description))
        self._notify()
        return self._json_response(error.payload(), error.error_code)

    def _raise_injected(self, method: str) -> None:
        for injected in self._injected:
            if injected.method == method.lower() and injected.times > 0:
                injected.times -= 1
                if injected.times == 0:
                    self._injected.remove(injected)
                raise injected.error

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json_response(ApiError(401, "Unauthorized").payload(), 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return self._json_response(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ----- internals: state ----------------------------------------------------------

    def register_file(
        self,
        kind: str,
        data: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> SentFile:
        """Store a file so it can be re-sent by file_id and downloaded via getFile."""
        number = len(self._files) + 1
        prefixes = {"photo": "AgAC", "document": "BQAC", "sticker": "CAAC"}
        file_id = prefixes.get(kind, "AAAC") + secrets.token_urlsafe(24)
        file_path = None
        if data is not None:
            extension = "bin"
            if file_name and "." in file_name:
                extension = file_name.rpartition(".")[2]
            file_path = f"{kind}s/file_{number}.{extension}"
        stored = SentFile(
            file_id=file_id,
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
            file_path=file_path,
            width=width,
            height=height,
        )
        self._files[file_id] = stored
        if file_path is not None:
            self._files_by_path[file_path] = stored
        return stored

    def _register_callback(self, query: _CallbackQuery) -> None:
        self._callbacks[query.query_id] = query

    def _chat(self, params: JSONDict, *, writing: bool) -> SimulatedUser:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        user = self._users.get(chat_id)
        if user is None:
            raise _bad_request("chat not found")
        if writing and user.blocked:
            raise _forbidden("bot was blocked by the user")
        if writing and not user.started:
            raise _forbidden("bot can't initiate conversation with a user")
        return user

    def _reply_target(self, user: SimulatedUser, params: JSONDict) -> JSONDict | None:
        reply_parameters = _json_param(
            params, "reply_parameters", "can't parse reply parameters JSON object"
        )
        allow_missing = _bool_param(params, "allow_sending_without_reply")
        reply_id = _int_param(params, "reply_to_message_id")
        if isinstance(reply_parameters, dict):
            reply_id = _int_param(reply_parameters, "message_id", "message to be replied not found")
            allow_missing = _bool_param(reply_parameters, "allow_sending_without_reply")
        if reply_id is None:
            return None
        stored = user._store.get(reply_id)
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        return _without_reply(stored.raw)

    def _add_bot_message(
        self,
        user: SimulatedUser,
        params: JSONDict,
        method: str,
        content: JSONDict,
        *,
        source_text: str | None,
        file: SentFile | None = None,
    ) -> JSONDict:
        markup = _json_param(params, "reply_markup", MARKUP_ERROR)
        inline, sent_markup = _validate_markup(markup, inline_only=False)
        reply_to = self._reply_target(user, params)
        message_id = user._allocate_message_id()
        raw: JSONDict = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "chat": user.as_chat(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            raw["reply_to_message"] = reply_to
        if inline is not None:
            raw["reply_markup"] = inline
        stored = _StoredMessage(
            raw=raw,
            from_bot=True,
            sent_markup=sent_markup,
            source_text=source_text,
            parse_mode=_str_param(params, "parse_mode"),
            file=file,
        )
        user._store[message_id] = stored
        if sent_markup is not None and "keyboard" in sent_markup:
            user._reply_keyboard = (message_id, sent_markup)
        elif sent_markup is not None and sent_markup.get("remove_keyboard"):
            user._reply_keyboard = None
        user.messages.append(_snapshot(user.id, stored, method=method, edited=False))
        self._notify()
        return copy.deepcopy(raw)

    def _editable(self, params: JSONDict) -> tuple[SimulatedUser, _StoredMessage]:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")
        user = self._chat(params, writing=True)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        assert message_id is not None
        stored = user._store.get(message_id)
        if stored is None or stored.deleted:
            raise _bad_request("message to edit not found")
        if not stored.from_bot:
            raise _bad_request("message can't be edited")
        return user, stored

    def _apply_edit(
        self,
        user: SimulatedUser,
        stored: _StoredMessage,
        method: str,
        changes: JSONDict,
        params: JSONDict,
        *,
        source_text: str | None = None,
    ) -> JSONDict:
        markup = _json_param(params, "reply_markup", MARKUP_ERROR)
        # An edit without reply_markup removes the inline keyboard, exactly like Telegram.
        inline, _ = _validate_markup(markup, inline_only=True)
        before = {key: stored.raw.get(key) for key in (*changes, "reply_markup")}
        after = {**changes, "reply_markup": inline}
        if _normalized(before) == _normalized(after):
            raise _bad_request(NOT_MODIFIED)
        for key, value in after.items():
            if value is None or value == []:
                stored.raw.pop(key, None)
            else:
                stored.raw[key] = value
        stored.raw["edit_date"] = int(time.time())
        if stored.sent_markup is None or "inline_keyboard" in stored.sent_markup or inline:
            stored.sent_markup = inline
        if source_text is not None:
            stored.source_text = source_text
            stored.parse_mode = _str_param(params, "parse_mode")
        user.messages.append(_snapshot(user.id, stored, method=method, edited=True))
        self._notify()
        return copy.deepcopy(stored.raw)

    def _resolve_input_file(self, params: JSONDict, name: str, kind: str) -> SentFile:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
            if value is None:
                raise _bad_request("wrong HTTP URL specified")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad_request("file must be non-empty")
            if value.size > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            file_name = value.filename or name
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = _guess_mime(file_name)
            if kind == "photo":
                if value.size > MAX_PHOTO_BYTES:
                    raise _bad_request("file is too big")
                dimensions = image_size(value.data)
                if dimensions is None:
                    raise _bad_request("IMAGE_PROCESS_FAILED")
                width, height = dimensions
                if (
                    width + height > 10000
                    or min(width, height) == 0
                    or (max(width, height) / min(width, height) > 20)
                ):
                    raise _bad_request("PHOTO_INVALID_DIMENSIONS")
                return self.register_file(
                    "photo",
                    value.data,
                    file_name=file_name,
                    mime_type=mime,
                    width=width,
                    height=height,
                )
            return self.register_file(kind, value.data, file_name=file_name, mime_type=mime)
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                # Telegram would download it; tests never reach the internet, so keep the URL.
                url_name = value.rstrip("/").rpartition("/")[2] or None
                return self.register_file(
                    kind, None, file_name=url_name, url=value, width=1, height=1
                )
            known = self._files.get(value)
            if known is None:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            if known.kind != kind:
                raise _bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
            return known
        raise _bad_request(f"there is no {name} in the request")

    def _caption(self, params: JSONDict) -> tuple[JSONDict, str | None]:
        caption = _str_param(params, "caption")
        if not caption:
            return {}, None
        text, entities = format_text(
            caption,
            _str_param(params, "parse_mode"),
            _json_param(params, "caption_entities", "can't parse entities JSON object"),
        )
        if len(text) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        if not text:
            return {}, caption
        content: JSONDict = {"caption": text}
        if entities:
            content["caption_entities"] = entities
        return content, caption

    def _text(self, params: JSONDict) -> tuple[str, list[JSONDict], str]:
        source = _str_param(params, "text")
        if not source:
            raise _bad_request("message text is empty")
        text, entities = format_text(
            source,
            _str_param(params, "parse_mode"),
            _json_param(params, "entities", "can't parse entities JSON object"),
        )
        if not text:
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return text, entities, source

    def _confirm(self, offset: int | None) -> int | None:
        """Apply getUpdates offset semantics; returns the offset to filter with."""
        if offset is None or offset == 0:
            return None
        if offset < 0:
            # Negative offset: keep only the last -offset updates, forget the rest.
            self._pending = self._pending[offset:]
            return None
        kept: list[_PendingUpdate] = []
        for entry in self._pending:
            owed_redelivery = entry.redeliver and not entry.delivered
            if owed_redelivery or entry.update_id >= offset:
                kept.append(entry)
            elif entry.delivered and entry.copies_left > 1:
                # At-least-once delivery: the confirmed update comes back once more.
                entry.copies_left -= 1
                entry.redeliver = True
                entry.delivered = False
                kept.append(entry)
        self._pending = kept
        return offset

    def _collect(self, offset: int | None, limit: int) -> list[JSONDict]:
        batch: list[_PendingUpdate] = []
        for entry in self._pending:
            if (
                (entry.redeliver and not entry.delivered)
                or offset is None
                or (entry.update_id >= offset)
            ):
                batch.append(entry)
            if len(batch) >= limit:
                break
        for entry in batch:
            entry.delivered = True
            self.delivery_log.append(entry.update_id)
        if batch:
            self._notify()
        return [copy.deepcopy(entry.update) for entry in batch]

    @staticmethod
    def _commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        scope_object = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope_object, sort_keys=True), language_code or ""

    # ----- Bot API methods ---------------------------------------------------------

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = _int_param(params, "offset")
        limit = min(max(_int_param(params, "limit") or 100, 1), 100)
        timeout = max(_float_param(params, "timeout") or 0.0, 0.0)
        allowed = _json_param(params, "allowed_updates", "can't parse allowed updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
                raise _bad_request("can't parse allowed updates")
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        effective_offset = self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._active_polls += 1
        # Wakes an older long poll so it can report the conflict, and wait_polling().
        self._notify()
        try:
            while True:
                if self._closing:
                    return []
                if generation != self._poll_generation:
                    raise ApiError(409, CONFLICT)
                batch = self._collect(effective_offset, limit)
                if batch:
                    return batch
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                await self._wait_change(remaining)
        finally:
            self._active_polls -= 1
            self._notify()

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        secret = str(params.get("secret_token") or "")
        if not url:
            raise _bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        if secret and not (1 <= len(secret) <= 256 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)):
            raise _bad_request("bad webhook: secret token contains unallowed characters")
        self.webhook_url, self.webhook_secret = url, secret
        self._notify()
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = self.webhook_secret = ""
        if _bool_param(params, "drop_pending_updates"):
            self._pending.clear()
            self._notify()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = _json_param(params, "commands", "can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        validated: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            validated.append({"command": name, "description": description})
        scope = _json_param(params, "scope", "can't parse BotCommandScope JSON object")
        key = self._commands_key(scope, _str_param(params, "language_code"))
        if validated:
            self._commands[key] = validated
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        scope = _json_param(params, "scope", "can't parse BotCommandScope JSON object")
        key = self._commands_key(scope, _str_param(params, "language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        scope = _json_param(params, "scope", "can't parse BotCommandScope JSON object")
        self._commands.pop(self._commands_key(scope, _str_param(params, "language_code")), None)
        return True

    async def _send_message(self, params: JSONDict) -> JSONDict:
        user = self._chat(params, writing=True)
        text, entities, source = self._text(params)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._add_bot_message(user, params, "sendMessage", content, source_text=source)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        user, stored = self._editable(params)
        if "text" not in stored.raw:
            raise _bad_request("there is no text in the message to edit")
        text, entities, source = self._text(params)
        return self._apply_edit(
            user,
            stored,
            "editMessageText",
            {"text": text, "entities": entities or None},
            params,
            source_text=source,
        )

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        user, stored = self._editable(params)
        if "text" in stored.raw:
            raise _bad_request("there is no caption in the message to edit")
        content, source = self._caption(params)
        return self._apply_edit(
            user,
            stored,
            "editMessageCaption",
            {
                "caption": content.get("caption"),
                "caption_entities": content.get("caption_entities"),
            },
            params,
            source_text=source or "",
        )

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        user, stored = self._editable(params)
        return self._apply_edit(user, stored, "editMessageReplyMarkup", {}, params)

    async def _delete_message(self, params: JSONDict) -> bool:
        user = self._chat(params, writing=False)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        assert message_id is not None
        stored = user._store.get(message_id)
        if stored is None or stored.deleted:
            raise _bad_request("message to delete not found")
        stored.deleted = True
        user.deleted_message_ids.append(message_id)
        self._notify()
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = _str_param(params, "callback_query_id")
        state = self._callbacks.get(query_id or "")
        if state is None or state.answer is not None:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = _str_param(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        state.answer = {
            "text": text,
            "show_alert": _bool_param(params, "show_alert"),
            "url": _str_param(params, "url"),
            "cache_time": _int_param(params, "cache_time"),
        }
        self._notify()
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat(params, writing=True)
        if _str_param(params, "action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        user = self._chat(params, writing=True)
        photo = self._resolve_input_file(params, "photo", "photo")
        caption, source = self._caption(params)
        content: JSONDict = {"photo": [_photo_size(photo)], **caption}
        return self._add_bot_message(
            user, params, "sendPhoto", content, source_text=source, file=photo
        )

    async def _send_document(self, params: JSONDict) -> JSONDict:
        user = self._chat(params, writing=True)
        document = self._resolve_input_file(params, "document", "document")
        caption, source = self._caption(params)
        content: JSONDict = {"document": _document_object(document), **caption}
        return self._add_bot_message(
            user, params, "sendDocument", content, source_text=source, file=document
        )

    async def _get_file(self, params: JSONDict) -> JSONDict:
        file_id = _str_param(params, "file_id") or ""
        stored = self._files.get(file_id)
        if stored is None or stored.file_path is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _close(self, params: JSONDict) -> bool:
        return True

    async def _log_out(self, params: JSONDict) -> bool:
        return True


def _normalized(value: Any) -> Any:
    """Drop empty values so that 'absent' and 'null'/'[]' compare equal."""
    if isinstance(value, dict):
        return {
            key: _normalized(item)
            for key, item in value.items()
            if item is not None and item != [] and item != {}
        }
    if isinstance(value, list):
        return [_normalized(item) for item in value]
    return value
