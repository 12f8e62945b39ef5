"""Typed emit arguments: parsing what a user typed, and showing what came back.

Pure functions, cheap enough to run on every keystroke: the emit console
validates as the user types and blocks sending until every argument parses,
and the command line applies the same rules. Values are what python-socketio
sends: JSON-compatible Python values, with ``bytes`` for binary attachments
anywhere inside them.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from pathlib import Path
from typing import Any

from sio_monitor.domain.format import loads_any

#: Bytes shown inline in a one-line preview before the ellipsis.
PREVIEW_BYTES = 8
#: Nesting shown or stored; deeper levels become ``DEEPER``. A server can nest thousands
#: of levels, and walking them (here, or in the JSON encoder after) would exhaust the stack.
MAX_DEPTH = 200
DEEPER = f"… (nested deeper than {MAX_DEPTH} levels)"
BINARY_KEY = "$binary"
LITERAL_KEY = "$literal"

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_URLSAFE = bytes.maketrans(b"-_", b"+/")
#: Characters JSON leaves as they are that Qt lays out as line breaks: a one-line preview
#: shows them escaped, as a JSON writer escaping them would.
LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


class ArgKind(enum.StrEnum):
    JSON = "json"
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    BINARY_HEX = "binary_hex"
    BINARY_BASE64 = "binary_base64"
    BINARY_FILE = "binary_file"


class ArgumentError(ValueError):
    """An argument that cannot be sent; ``line``/``column`` (1-based) point at the first error."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def describe_error(error: ArgumentError) -> str:
    """The sentence for an argument's error, its position first when it has one."""
    where = f"Line {error.line}, column {error.column}: " if error.line is not None else ""
    return f"{where}{error.message}"


# --- parsing ------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(text: str) -> Any:
    """Strict JSON (NaN and Infinity are Python extensions no Node server can parse), any depth."""
    return loads_any(text, parse_constant=_reject_constant)


def json_error(text: str) -> ArgumentError | None:
    """The first error in ``text`` as JSON, or None when it parses."""
    return _parse_json(text)[1]


def _parse_json(text: str) -> tuple[Any, ArgumentError | None]:
    if not text.strip():
        return None, ArgumentError('The JSON value is empty: type one, such as {} or "text".', 1, 1)
    try:
        return _loads(text), None
    except json.JSONDecodeError as exc:
        message = f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        return None, ArgumentError(message, exc.lineno, exc.colno)
    except ValueError as exc:  # NaN / Infinity
        return None, ArgumentError(f"Invalid JSON: {exc}; write a number or a string instead.")


def parse_argument(kind: ArgKind, text: str) -> Any:
    """The value to emit for ``text`` read as ``kind``; ArgumentError says what is wrong."""
    if kind is ArgKind.JSON:
        value, error = _parse_json(text)
        if error is not None:
            raise error
        return value
    if kind is ArgKind.STRING:
        return text
    if kind is ArgKind.NUMBER:
        return _parse_number(text)
    if kind is ArgKind.BOOLEAN:
        word = text.strip().lower()
        if word not in ("true", "false"):
            raise ArgumentError(f"A boolean is true or false, not {text.strip()!r}.")
        return word == "true"
    if kind is ArgKind.NULL:
        if text.strip().lower() not in ("", "null"):
            raise ArgumentError("A null argument takes no text: leave it empty.")
        return None
    if kind is ArgKind.BINARY_HEX:
        return _parse_hex(text)
    if kind is ArgKind.BINARY_BASE64:
        return _parse_base64(text)
    if kind is ArgKind.BINARY_FILE:
        return _read_file(text)
    raise ArgumentError(f"Unknown argument kind {kind!r}.")


def guess_argument(text: str) -> Any:
    """The command-line rule: JSON when it parses, else the text itself as a string."""
    try:
        return _loads(text)
    except ValueError:
        return text


#: A command-line argument read as hex bytes: ``hex:00ff10``.
HEX_PREFIX = "hex:"


def command_line_argument(text: str) -> Any:
    """The command line's rule, binary included, so that ``emit --json`` output goes back in.

    ``@path`` sends a file's bytes and ``hex:00ff`` hex bytes; ``@@text`` is the
    string ``@text``. Otherwise JSON when it parses, else the text as a string;
    ``{"$binary": "<base64>"}`` anywhere in the JSON is binary, as ``--json``
    prints it. ArgumentError says what is wrong.
    """
    if text.startswith("@@"):
        return text[1:]
    if text.startswith("@"):
        return _read_file(text[1:])
    if text[: len(HEX_PREFIX)].lower() == HEX_PREFIX:
        return _parse_hex(text[len(HEX_PREFIX) :])
    return _with_binary(guess_argument(text))


def _with_binary(value: Any) -> Any:
    """``from_jsonable`` with every base64 checked: bad letters are said, not dropped."""
    if isinstance(value, list):
        return [_with_binary(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            key, inner = next(iter(value.items()))
            if key == BINARY_KEY and isinstance(inner, str):
                try:
                    return _parse_base64(inner)
                except ArgumentError:
                    raise ArgumentError(
                        f'A "{BINARY_KEY}" value is not valid base64: '
                        "write it as emit --json prints it."
                    ) from None
            if key == LITERAL_KEY and isinstance(inner, dict):
                return {k: _with_binary(v) for k, v in inner.items()}
        return {k: _with_binary(v) for k, v in value.items()}
    return value


def _parse_number(text: str) -> int | float:
    word = text.strip()
    if _INTEGER.fullmatch(word):
        return int(word)
    if _NUMBER.fullmatch(word):
        return float(word)
    raise ArgumentError(f"{word!r} is not a number: type digits, as in 42 or -3.5.")


def _parse_hex(text: str) -> bytes:
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if body[:2].lower() == "0x":
        body, offset = body[2:], offset + 2
    digits: list[str] = []
    for index, char in enumerate(body):
        if char in " \t\r\n:-":
            continue
        if char not in "0123456789abcdefABCDEF":
            line, column = _position(text, offset + index)
            raise ArgumentError(
                f"{char!r} at line {line}, column {column} is not a hex digit (0-9, a-f).",
                line,
                column,
            )
        digits.append(char)
    if len(digits) % 2:
        raise ArgumentError(f"Hex digits come in pairs, but {len(digits)} were given.")
    return bytes.fromhex("".join(digits))


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _parse_base64(text: str) -> bytes:
    body = "".join(text.split())
    body += "=" * (-len(body) % 4)  # padding is often left off; it carries no data
    try:
        raw = body.encode("ascii").translate(_URLSAFE)  # accept the URL-safe alphabet too
        return base64.b64decode(raw, validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ArgumentError(
            "Not valid base64: use the letters A-Z, a-z, the digits, + and / (or - and _)."
        ) from None


def _read_file(text: str) -> bytes:
    name = text.strip()
    if not name:
        raise ArgumentError("Choose a file to send.")
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise ArgumentError(f"The file {name} does not exist.") from None
    except IsADirectoryError:
        raise ArgumentError(f"{name} is a folder, not a file.") from None
    except OSError as exc:
        raise ArgumentError(f"The file {name} cannot be read: {exc.strerror}.") from None


# --- showing ------------------------------------------------------------------


def preview(value: Any, limit: int = 200) -> str:
    """One line of plain text for logs and lists, at most ``limit`` characters.

    JSON-like, with binary anywhere inside shown as its size and first bytes.
    Rendering stops as soon as the limit is reached, so a huge payload costs
    no more than a small one.
    """
    parts: list[str] = []
    budget = [limit + 1]
    _render(value, parts, budget, 0)
    text = "".join(parts).translate(LINE_BREAKS)
    if len(text) > limit:
        return text[: max(0, limit - 1)] + "…"
    return text


def _render(value: Any, parts: list[str], budget: list[int], depth: int) -> None:
    if budget[0] <= 0:
        return
    if isinstance(value, bytes | bytearray | memoryview):
        piece = _binary_label(bytes(value[: PREVIEW_BYTES + 1]), len(value))
    elif isinstance(value, dict | list | tuple) and depth >= MAX_DEPTH:
        piece = "…"
    elif isinstance(value, dict):
        keyed = ((json.dumps(str(k), ensure_ascii=False) + ": ", v) for k, v in value.items())
        _render_items("{", "}", keyed, parts, budget, depth)
        return
    elif isinstance(value, list | tuple):
        _render_items("[", "]", (("", v) for v in value), parts, budget, depth)
        return
    elif isinstance(value, str):
        piece = json.dumps(value[: budget[0]], ensure_ascii=False)
    else:
        try:
            piece = json.dumps(value)
        except (TypeError, ValueError):
            piece = repr(value)
    parts.append(piece)
    budget[0] -= len(piece)


def _render_items(
    opening: str, closing: str, items: Any, parts: list[str], budget: list[int], depth: int
) -> None:
    parts.append(opening)
    budget[0] -= 1
    for index, (prefix, item) in enumerate(items):
        if budget[0] <= 0:
            return
        piece = (", " if index else "") + prefix
        parts.append(piece)
        budget[0] -= len(piece)
        _render(item, parts, budget, depth + 1)
    parts.append(closing)
    budget[0] -= 1


def _binary_label(head: bytes, size: int) -> str:
    shown = " ".join(f"{b:02x}" for b in head[:PREVIEW_BYTES])
    more = " …" if size > PREVIEW_BYTES else ""
    return f"<binary {size:,} B: {shown}{more}>" if size else "<binary 0 B>"


def hex_dump(data: bytes, limit: int = 4096) -> str:
    """Offset, hex and ASCII columns, 16 bytes a line, like ``hexdump -C``; cut at ``limit``."""
    lines = []
    shown = data[:limit]
    for offset in range(0, len(shown), 16):
        row = shown[offset : offset + 16]
        left = " ".join(f"{b:02x}" for b in row[:8])
        right = " ".join(f"{b:02x}" for b in row[8:])
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{text}|")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes")
    return "\n".join(lines)


# --- storage ------------------------------------------------------------------


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """A JSON-safe copy for history and snippets: bytes become {"$binary": base64}.

    A user's own one-key object named like a marker is wrapped in {"$literal": …}
    so that from_jsonable gives back exactly what went in, down to ``MAX_DEPTH``
    levels of nesting (below that, the ``DEEPER`` note stands in).
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return {BINARY_KEY: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | tuple | dict) and _depth >= MAX_DEPTH:
        return DEEPER
    if isinstance(value, list | tuple):
        return [to_jsonable(item, _depth + 1) for item in value]
    if isinstance(value, dict):
        copy = {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
        if len(copy) == 1 and next(iter(copy)) in (BINARY_KEY, LITERAL_KEY):
            return {LITERAL_KEY: copy}
        return copy
    return value


def from_jsonable(value: Any) -> Any:
    """The inverse of to_jsonable (tuples come back as lists)."""
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            key, inner = next(iter(value.items()))
            if key == BINARY_KEY and isinstance(inner, str):
                return base64.b64decode(inner)
            if key == LITERAL_KEY and isinstance(inner, dict):
                return {k: from_jsonable(v) for k, v in inner.items()}
        return {k: from_jsonable(v) for k, v in value.items()}
    return value
