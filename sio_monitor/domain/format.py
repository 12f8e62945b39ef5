"""Text made for people and for files: numbers, sizes, durations, long names cut, JSON at any depth.

Shared by the window and the command-line tools. Anything a server names can
be a megabyte long, and Qt lays out every character it is given, so views
show ``shorten(name)``: the start of it and its true size. A server can also
nest a payload ten thousand levels deep, past what ``json`` (recursive, at
the interpreter's recursion limit) writes or reads; ``dumps_deep`` and
``loads_deep`` do the same with an explicit stack, as the slow path taken
after the fast one ran out of depth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from json.decoder import JSONDecodeError, scanstring
from json.encoder import encode_basestring, encode_basestring_ascii
from json.scanner import NUMBER_RE
from typing import Any

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
#: Characters of a name or a cell shown before it is cut.
SHOWN_CHARS = 200


#: Unit words: compact for table cells, spelled out for sentences.
_SHORT_UNITS = ("d", "h", "m", "s")
_SENTENCE_UNITS = (" d", " h", " min", " s")


def format_duration(seconds: float | None, in_sentence: bool = False) -> str:
    """``3d 4h``, ``2h 05m``, ``4m 07s``, ``12s``: two units at most, as people read uptimes.

    ``in_sentence`` spaces and spells the units: ``3 h 02 min``.
    """
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    d, h, m, s = _SENTENCE_UNITS if in_sentence else _SHORT_UNITS
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}{d} {hours}{h}"
    if hours:
        return f"{hours}{h} {minutes:02d}{m}"
    if minutes:
        return f"{minutes}{m} {secs:02d}{s}"
    return f"{secs}{s}"


def format_si(value: float, unit: str = "") -> str:
    """``12.4 k/s``, ``3.1 MB/s``: three significant figures with an SI prefix."""
    magnitude = abs(value)
    for factor, prefix in _SI:
        if magnitude >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    if magnitude == int(magnitude):
        return f"{int(value)} {unit}".rstrip()
    return f"{value:.3g} {unit}".rstrip()


def format_bytes(size: int) -> str:
    """``512 B``, ``16.4 kB``, ``10.0 MB``: one decimal past a thousand, as sizes are read."""
    for factor, prefix in _SI:
        if size >= factor:
            return f"{size / factor:.1f} {prefix}B"
    return f"{size} B"


def counted(count: int, noun: str) -> str:
    """``1 socket``, ``2 sockets``: a count with its noun agreed (nouns taking an -s)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def text_bytes(text: str) -> int:
    """UTF-8 size of ``text``; free for ASCII text, which knows it is ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text``, or its first ``limit`` characters and its true size when it is longer.

    O(1) for the short names of ordinary traffic; a long one costs one
    measure of its size.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({format_bytes(text_bytes(text))})"


# --- JSON at any depth -------------------------------------------------------------------

#: Characters of one string escaped per call: a long string is written in pieces, so a
#: thread writing megabytes lets the GUI thread take the interpreter in between.
_PIECE = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_END = object()


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def dumps_deep(
    value: Any,
    *,
    ensure_ascii: bool = True,
    separators: tuple[str, str] = (", ", ": "),
    default: Callable[[Any], Any] | None = None,
    dict_hook: Callable[[dict[Any, Any]], Any] | None = None,
    str_hook: Callable[[str], str] | None = None,
    pause: Callable[[], object] | None = None,
) -> str:
    """What ``json.dumps`` writes, at any depth: the stack is a list, not the interpreter's.

    ``dict_hook`` may replace each dict of ``value`` before it is written (its
    result is written as is, its children hooked in turn); what ``default``
    returns is not hooked. ``str_hook`` rewrites every string, keys included.
    ``pause`` is called between the pieces of a long string (a thread writing
    in the background passes ``time.sleep(0)``: other threads go first).
    """
    item_sep, key_sep = separators
    quote = encode_basestring_ascii if ensure_ascii else encode_basestring
    escape = quote if str_hook is None else lambda text: quote(str_hook(text))
    out: list[str] = []
    frames: list[list[Any]] = []  # [items, closing, is_dict, written, id]
    open_ids: set[int] = set()
    pending, hooked = value, False
    while True:
        item = pending
        if isinstance(item, str):
            if str_hook is not None:
                item = str_hook(item)
            if len(item) <= _PIECE:
                out.append(quote(item))
            else:
                out.append('"')
                for start in range(0, len(item), _PIECE):
                    out.append(quote(item[start : start + _PIECE])[1:-1])
                    if pause is not None:
                        pause()
                out.append('"')
        elif item is None or item is True or item is False:
            out.append("null" if item is None else "true" if item else "false")
        elif isinstance(item, int):
            out.append(int.__repr__(item))
        elif isinstance(item, float):
            out.append(_float(item))
        elif isinstance(item, dict | list | tuple):
            if isinstance(item, dict) and dict_hook is not None and not hooked:
                replaced = dict_hook(item)
                if replaced is not item:
                    pending, hooked = replaced, True
                    continue
            if id(item) in open_ids:
                raise ValueError("Circular reference detected")
            open_ids.add(id(item))
            is_dict = isinstance(item, dict)
            out.append("{" if is_dict else "[")
            items: Iterator[Any] = iter(item.items()) if is_dict else iter(item)
            frames.append([items, "}" if is_dict else "]", is_dict, 0, id(item)])
        elif default is not None:
            pending, hooked = default(item), True
            continue
        else:
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
        hooked = False
        while frames:
            frame = frames[-1]
            following = next(frame[0], _END)
            if following is _END:
                out.append(frame[1])
                open_ids.discard(frame[4])
                frames.pop()
                continue
            if frame[3]:
                out.append(item_sep)
            frame[3] += 1
            if frame[2]:
                key, following = following
                out.append(escape(_key(key)))
                out.append(key_sep)
            pending = following
            break
        else:
            return "".join(out)


def loads_deep(
    text: str | bytes,
    *,
    object_hook: Callable[[dict[str, Any]], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """What ``json.loads`` reads, at any depth; ``JSONDecodeError`` where ``json`` says it."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    space = _SPACE.match
    frames: list[list[Any]] = []  # [container, key of the value being read]
    pos = space(text, 0).end()
    while True:
        char = text[pos : pos + 1]
        value: Any
        if char == "{" or char == "[":
            pos = space(text, pos + 1).end()
            if text[pos : pos + 1] == ("}" if char == "{" else "]"):
                value, pos = ({} if char == "{" else []), pos + 1
                if char == "{" and object_hook is not None:
                    value = object_hook(value)
            elif char == "{":
                key, pos = _read_key(text, pos)
                frames.append([{}, key])
                continue
            else:
                frames.append([[], None])
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1, True)
        else:
            value, pos = _read_scalar(text, pos, parse_int, parse_constant)
        while True:  # hand the value to its container; close the containers it completes
            if not frames:
                pos = space(text, pos).end()
                if pos != len(text):
                    raise JSONDecodeError("Extra data", text, pos)
                return value
            frame = frames[-1]
            container = frame[0]
            if type(container) is dict:
                container[frame[1]] = value
            else:
                container.append(value)
            pos = space(text, pos).end()
            char = text[pos : pos + 1]
            if char == ",":
                pos = space(text, pos + 1).end()
                if type(container) is dict:
                    frame[1], pos = _read_key(text, pos)
                break
            if char != ("}" if type(container) is dict else "]"):
                raise JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos += 1
            frames.pop()
            value = container
            if type(container) is dict and object_hook is not None:
                value = object_hook(container)


def loads_any(text: str | bytes, **options: Any) -> Any:
    """``json.loads``, and ``loads_deep`` for text nested deeper than it reads."""
    try:
        return json.loads(text, **options)
    except RecursionError:
        return loads_deep(text, **options)


def _read_key(text: str, pos: int) -> tuple[str, int]:
    """An object's key and the position of its value, from the key's opening quote."""
    if text[pos : pos + 1] != '"':
        raise JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
    key, pos = scanstring(text, pos + 1, True)
    pos = _SPACE.match(text, pos).end()
    if text[pos : pos + 1] != ":":
        raise JSONDecodeError("Expecting ':' delimiter", text, pos)
    return key, _SPACE.match(text, pos + 1).end()


def _read_scalar(
    text: str,
    pos: int,
    parse_int: Callable[[str], Any] | None,
    parse_constant: Callable[[str], Any] | None,
) -> tuple[Any, int]:
    number = NUMBER_RE.match(text, pos)
    if number is not None:
        integer, fraction, exponent = number.groups()
        if fraction or exponent:
            return float(integer + (fraction or "") + (exponent or "")), number.end()
        return (parse_int or int)(integer), number.end()
    for word, meaning in (("null", None), ("true", True), ("false", False)):
        if text.startswith(word, pos):
            return meaning, pos + len(word)
    for word, constant in _CONSTANTS.items():
        if text.startswith(word, pos):
            return (parse_constant(word) if parse_constant else constant), pos + len(word)
    raise JSONDecodeError("Expecting value", text, pos)
