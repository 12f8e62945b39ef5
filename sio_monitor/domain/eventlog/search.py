"""Searching the event log's payload text: one chunk arena at a time, at C speed.

Plain text is found in any case (ASCII letters), a regular expression as
written, with ``^`` and ``$`` at a payload's start and end. A regular
expression that is only words joined by ``|`` (``error|fail``) is answered
with the same literal searches as plain text, which find the same rows many
times faster than ``re`` trying every alternative at every byte.

Three strategies, chosen per chunk: few candidate rows are tested one by
one; otherwise a sample of rows says whether matches are sparse, and the
arena is searched in one pass, or dense (a common word, a letter typed before
a pause), and every row is tested at once: numpy byte comparisons for short
words, otherwise the arena split into its rows and each tested by a C-level
``map``; neither grows with the number of matches.

A general regular expression runs on the ``regex`` package with a time limit
per call: a catastrophic pattern (``(a|aa)+$``, nested repeats) could
otherwise take minutes on one row and freeze the window; it is refused with a
sentence instead (``RegexTooSlowError``).
"""

from __future__ import annotations

import operator
import re
from functools import partial
from itertools import repeat

import numpy as np
import regex as rx  # the `regex` package: re with time limits

from sio_monitor.domain.eventlog.log import LogChunk

try:  # the parser re.compile itself uses; without it every regex takes the general path
    from re import _parser
except ImportError:  # pragma: no cover - CPython 3.11+ has it
    _parser = None  # type: ignore[assignment]

#: Below this share of candidate rows, rows are tested one by one instead of the arena.
SPARSE = 1 / 4
#: Rows tested first to learn whether matches are dense.
SAMPLE = 256
#: Beyond this share of matching rows, one search per row beats one search per match.
DENSE = 0.4
#: Words up to this many bytes are found in dense rows by numpy byte comparisons.
SHORT = 8
#: Global inline flags ("(?i)") must open a pattern: they stay in front of the wrapper.
_LEADING_FLAGS = re.compile(rb"^(?:\(\?[aiLmsux]+\))+")
#: Seconds one regex call (one row, or one chunk's text) may run before the pattern is refused.
REGEX_TIMEOUT = 0.25
#: Flags that leave a literal word's meaning alone (LOCALE would change case folding).
_LITERAL_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.ASCII


def _literal_words(source: bytes) -> tuple[tuple[bytes, ...], bool] | None:
    """The words of a regex that is only words joined by ``|``, and whether case is ignored."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(source, re.MULTILINE)
    except Exception:  # an internal API: anything unexpected takes the general path
        return None
    flags = parsed.state.flags
    if flags & ~_LITERAL_FLAGS:
        return None
    items = list(parsed)
    while len(items) == 1 and items[0][0] is _parser.SUBPATTERN:
        _group, add_flags, del_flags, inner = items[0][1]
        if add_flags or del_flags:
            return None
        items = list(inner)
    branches = items[0][1][1] if len(items) == 1 and items[0][0] is _parser.BRANCH else [items]
    ignore = bool(flags & re.IGNORECASE)
    words = []
    for branch in branches:
        if not len(branch) or any(op is not _parser.LITERAL for op, _value in branch):
            return None
        word = bytes(value for _op, value in branch)
        if b"\n" in word:
            return None
        words.append(word.lower() if ignore else word)
    return tuple(words), ignore


class RegexTooSlowError(ValueError):
    """A regular expression ran past ``REGEX_TIMEOUT`` on the log's text."""

    def __init__(self) -> None:
        super().__init__(
            f"The regular expression took longer than {REGEX_TIMEOUT:g} s on one row and was "
            "stopped: simplify it (nested repeats such as (a|aa)+ are the usual cause), "
            "or untick Regex to search for the text as typed."
        )


def _bad_regex(exc: re.error | rx.error) -> ValueError:
    where = f" at position {exc.pos + 1}" if exc.pos is not None else ""
    return ValueError(
        f"The regular expression does not parse{where}: {exc.msg}. "
        "Fix it, or untick Regex to search for the text as typed."
    )


class TextSearch:
    """One payload search, compiled; ``ValueError`` says in a sentence why it cannot be."""

    def __init__(self, text: str, regex: bool) -> None:
        self.pattern: rx.Pattern[bytes] | None = None  # the general regex, tested per row
        self.needles: tuple[bytes, ...] = ()  # or literal words, any of which matches
        self.fold = False  # whether the words are matched against lower-cased text
        if not regex:
            # Payload text holds line breaks as the two characters \n, as JSON writes them.
            typed = text.replace("\n", "\\n").replace("\r", "\\r")
            self.needles, self.fold = (typed.encode("utf-8").lower(),), True
        else:
            source = text.encode("utf-8")
            try:
                pattern = rx.compile(source, rx.MULTILINE)
                words = _literal_words(source)
                if words is not None:
                    self.needles, self.fold = words
                else:
                    self.pattern = pattern
                    self._search = partial(pattern.search, timeout=REGEX_TIMEOUT)
                    head = _LEADING_FLAGS.match(source)
                    cut = head.end() if head else 0
                    wrapped = source[:cut] + b"(?:" + source[cut:] + rb")[^\n]*"
                    self._scans = [rx.compile(wrapped, rx.MULTILINE)]
            except (re.error, rx.error) as exc:
                raise _bad_regex(exc) from None
            except (OverflowError, RecursionError):
                raise ValueError("The regular expression is too large: shorten it.") from None
        if self.needles:
            # Up to the row's end, so that a row matches once however often a word is in it.
            self._scans = [re.compile(re.escape(word) + rb"[^\n]*") for word in self.needles]

    def rows(self, chunk: LogChunk, rows: np.ndarray, r0: int, r1: int) -> np.ndarray:
        """The rows among ``rows`` (ascending, within ``r0:r1`` of ``chunk``) whose text matches.

        Raises ``RegexTooSlowError`` when the regular expression ran past its time limit.
        """
        try:
            return self._rows(chunk, rows, r0, r1)
        except TimeoutError:
            raise RegexTooSlowError from None

    def _rows(self, chunk: LogChunk, rows: np.ndarray, r0: int, r1: int) -> np.ndarray:
        count = r1 - r0
        if len(rows) < count * SPARSE:
            return rows[self._rows_match(chunk, rows)]
        bounds = chunk.start[r0 : r1 + 1]
        s0, e0 = int(bounds[0]), int(bounds[-1])
        if self.fold:
            blob = chunk.lower_text(s0, e0)
        else:
            arena = chunk.arena
            blob = arena if (s0, e0) == (0, len(arena)) else arena[s0:e0]
        sampled = min(count, SAMPLE)
        sample = blob[: int(bounds[sampled]) - s0].split(b"\n")[:sampled]
        if self._test(sample).mean() > DENSE:
            if self.pattern is None and max(map(len, self.needles)) <= SHORT:
                found = self._short_words(blob, bounds[:-1] - s0)
                return rows[found[rows - r0]]
            parts = blob.split(b"\n")
            if len(rows) < count:
                return rows[self._test([parts[i] for i in (rows - r0).tolist()])]
            return rows[self._test(parts[:count])]
        if self.pattern is None:  # words hold no line break: a match stays in its row
            starts = [m.start() for scan in self._scans for m in scan.finditer(blob)]
            at = np.searchsorted(bounds, np.array(starts, np.int64) + s0, side="right") - 1
            return rows[np.isin(rows, at + r0)]
        spans = np.array(
            [m.span() for scan in self._scans for m in scan.finditer(blob, timeout=REGEX_TIMEOUT)],
            np.int64,
        )
        spans = spans.reshape(-1, 2) + s0
        first = np.searchsorted(bounds, spans[:, 0], side="right") - 1
        last = np.searchsorted(bounds, np.maximum(spans[:, 1] - 1, spans[:, 0]), "right") - 1
        across = first != last
        hits = first[~across] + r0
        if across.any():
            # A regex match that ran past a row's end may have swallowed later rows'
            # own matches: every row it touched is tested alone, within its bounds.
            pairs = zip(first[across], last[across], strict=True)
            touched = np.unique(np.concatenate([np.arange(lo, hi + 1) for lo, hi in pairs])) + r0
            hits = np.concatenate([hits, touched[self._rows_match(chunk, touched)]])
        return rows[np.isin(rows, hits)]

    def _short_words(self, blob: bytes | bytearray, starts: np.ndarray) -> np.ndarray:
        """Per row, whether a short word is in it: byte comparisons, then an "any" per row.

        No object per row at all, so a one-letter search that matches most rows
        (typed, then a pause) costs a few numpy passes over the arena. A word
        holds no line break, so a match never runs from one row into the next.
        """
        data = np.frombuffer(blob, np.uint8)
        found = np.zeros(len(starts), bool)
        row_starts = starts.astype(np.intp)
        for word in self.needles:
            fits = len(data) - len(word) + 1
            if fits <= 0:
                continue
            at = np.zeros(len(data), bool)  # at[i]: the word starts at byte i
            head = at[:fits]
            np.equal(data[:fits], word[0], out=head)
            for offset in range(1, len(word)):
                head &= data[offset : fits + offset] == word[offset]
            found |= np.logical_or.reduceat(at, row_starts)
        return found

    def _test(self, parts: list[bytes] | list[bytearray]) -> np.ndarray:
        """One boolean per row text, computed without a Python frame per row."""
        if self.pattern is not None:
            return np.fromiter(map(bool, map(self._search, parts)), bool, len(parts))
        found = np.zeros(len(parts), bool)
        for word in self.needles:
            found |= np.fromiter(map(operator.contains, parts, repeat(word)), bool, len(parts))
        return found

    def _rows_match(self, chunk: LogChunk, rows: np.ndarray) -> np.ndarray:
        starts = chunk.start[rows].tolist()
        ends = (chunk.start[rows + 1] - 1).tolist()
        spans = zip(starts, ends, strict=True)
        if not self.fold:
            arena = chunk.arena
            return self._test([arena[s:e] for s, e in spans])
        lowered = chunk.lowered
        if lowered is not None:
            return self._test([lowered[s:e] for s, e in spans])
        arena = chunk.arena
        return self._test([arena[s:e].lower() for s, e in spans])
