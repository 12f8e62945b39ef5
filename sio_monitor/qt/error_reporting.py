"""Unexpected errors: caught wherever they surface, logged to a file, reported once.

Four places can see an exception nobody handled: ``sys.excepthook`` (PySide6
hands it every exception that escapes a slot or an overridden virtual),
``threading.excepthook`` (a ``threading.Thread`` whose ``run`` raised), the
asyncio loop's exception handler (callbacks, and tasks whose failure nobody
awaited), and the application's own done-callback for the tasks it spawns.
A hook called on another thread hands the exception to the GUI thread through
a queued signal, since the panel and the count of each kind live there.
Each of them ends in ``ErrorReporter.report``, which writes the traceback to a
rotating file in the user log directory and tells the window once per kind of
error: the same exception raised again at the same place is counted, so a
handler failing on every message of a busy server fills neither the screen
nor the disk. Nothing here stops the app: the event loop goes on.

Text that leaves the process (the log file, the panel) passes through
``redact`` first: tracebacks quote exception messages, and a message can quote
a URL with credentials, a header or the auth payload the user typed.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, Qt, QThread, Signal

from sio_monitor.domain.sensitive import is_sensitive_name
from sio_monitor.store.json_files import APP_NAME

log = logging.getLogger("sio_monitor.errors")

LOG_FILE_NAME = f"{APP_NAME}.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
#: Secret values shorter than this are left to the patterns: masking every "ab" would
#: garble the whole traceback.
MIN_SECRET_LENGTH = 4
#: The longest title the panel shows; the full message is in the details.
TITLE_LIMIT = 200

_URL_USERINFO = re.compile(r"(?P<lead>\b[a-zA-Z][\w+.-]*://[^/\s:@]*:)[^@\s/]*@")
# ``name=value`` or ``'name': 'value'``; a URL's ``scheme://`` is no name, and a value
# stops where a URL's next part begins, so that ``?token=`` after a host is still seen.
_NAMED_VALUE = re.compile(
    r"""(?<![\w-])(?P<name>[A-Za-z_][\w-]*)(?P<sep>['"]?\s*(?:=|:(?!//))\s*)(?P<quote>['"]?)"""
    r"""(?P<value>(?:Bearer\s+|Basic\s+)?[^\s'"&,;)}\]@?]+)"""
)
_SCHEME_TOKEN = re.compile(r"\b(?P<scheme>Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def log_directory() -> Path:
    """Where the log file lives: the platform's user log folder for the app."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secret values and credential-looking values masked.

    Patterns catch what no setting names: the password of a URL, a query or
    header value whose name looks like a credential (``token=…``,
    ``'authorization': '…'``), a bearer token. Exception class names such as
    ``KeyError`` are names, not credentials, and keep their message.
    """
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len)[::-1]:
        text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(rf"\g<lead>{MASK}@", text)
    text = _NAMED_VALUE.sub(_mask_named_value, text)
    return _SCHEME_TOKEN.sub(rf"\g<scheme> {MASK}", text)


def _mask_named_value(match: re.Match[str]) -> str:
    name = match["name"]
    if name.endswith(("Error", "Exception", "Warning")) or not is_sensitive_name(name):
        # Not a credential, but its "value" may hold one: "could not write: token=…".
        value = _NAMED_VALUE.sub(_mask_named_value, match["value"])
        return f"{name}{match['sep']}{match['quote']}{value}"
    return f"{name}{match['sep']}{match['quote']}{MASK}"


class _RedactingFormatter(logging.Formatter):
    """Formats a record as usual, then masks secrets in the whole text (traceback included)."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__(LOG_FORMAT)
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets())


@dataclass(slots=True)
class ErrorKind:
    """One distinct error: where it was first seen, and how often it happened since."""

    title: str
    details: str
    count: int = 1


class ErrorReporter(QObject):
    """Receives every unexpected exception; logs it and tells the window the first time."""

    error_reported = Signal(str, str)  # title, traceback text: an error not seen before
    error_repeated = Signal(str, str, int)  # title, traceback text, times it has happened
    #: An exception caught on another thread, on its way to ``report`` on the GUI thread.
    _raised_elsewhere = Signal(object, str)  # the exception, where it was raised

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        secrets: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._secrets = secrets or (lambda: ())
        self.kinds: dict[tuple[object, ...], ErrorKind] = {}
        self.log_path: Path | None = None
        self._handler: logging.Handler | None = None
        self._previous_hook: Callable[..., object] | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reporting = False
        self._raised_elsewhere.connect(self.report, Qt.ConnectionType.QueuedConnection)

    # --- installing ------------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Take over both excepthooks and ``loop``'s exception handler; open the log file."""
        directory = log_directory()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                directory / LOG_FILE_NAME,
                maxBytes=LOG_MAX_BYTES,
                backupCount=LOG_BACKUPS,
                encoding="utf-8",
            )
            self.log_path = directory / LOG_FILE_NAME
        except OSError as exc:
            log.warning("No log file in %s (%s): errors go to stderr.", directory, exc.strerror)
            handler = logging.NullHandler()
        handler.setLevel(logging.WARNING)
        handler.setFormatter(_RedactingFormatter(self._secret_values))
        logging.getLogger().addHandler(handler)
        self._handler = handler
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        self._previous_thread_hook = threading.excepthook
        threading.excepthook = self._thread_excepthook
        if loop is not None:
            loop.set_exception_handler(self._loop_exception)
            self._loop = loop

    def uninstall(self) -> None:
        """Give the hooks back and close the file (tests install and remove one per test)."""
        if self._previous_hook is not None and sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
        self._previous_hook = None
        if self._previous_thread_hook is not None and (
            threading.excepthook == self._thread_excepthook
        ):
            threading.excepthook = self._previous_thread_hook
        self._previous_thread_hook = None
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(None)
        self._loop = None
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    # --- reporting -------------------------------------------------------------

    def report(self, error: BaseException, where: str = "") -> None:
        """Log ``error`` with its traceback and tell the window, once per kind of error."""
        if isinstance(error, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
            return
        if self._reporting:  # the panel failed while showing an error: log it, nothing more
            log.error("Unexpected error while reporting one", exc_info=error)
            return
        self._reporting = True
        try:
            self._report(error, where)
        finally:
            self._reporting = False

    def _report(self, error: BaseException, where: str) -> None:
        secrets = self._secret_values()
        key = _signature(error)
        known = self.kinds.get(key)
        if known is not None:
            known.count += 1
            if known.count & (known.count - 1) == 0:  # 2, 4, 8…: the log stays short
                log.error("The same error again (%d times so far): %s", known.count, known.title)
            self.error_repeated.emit(known.title, known.details, known.count)
            return
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        details = redact("".join(lines).rstrip(), secrets)
        if where:
            details = f"{redact(where, secrets)}\n{details}"
        title = redact(_title(error), secrets)
        self.kinds[key] = ErrorKind(title, details)
        log.error("Unexpected error: %s\n%s", title, details)
        self.error_reported.emit(title, details)

    def _secret_values(self) -> list[str]:
        try:
            return list(self._secrets())
        except Exception:  # a half-built window must not stop the report
            return []

    def _excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if not isinstance(error, Exception):  # Ctrl+C, SystemExit: the usual path
            if self._previous_hook is not None:
                self._previous_hook(kind, error, tb)
            return
        if error.__traceback__ is None and tb is not None:
            error = error.with_traceback(tb)
        self._report_on_gui_thread(error, "In a Qt slot or event handler:")

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        error = args.exc_value
        if not isinstance(error, Exception):  # SystemExit in a thread: the usual path
            if self._previous_thread_hook is not None:
                self._previous_thread_hook(args)
            return
        if error.__traceback__ is None and args.exc_traceback is not None:
            error = error.with_traceback(args.exc_traceback)
        where = f"In the thread {args.thread.name}:" if args.thread else "In a thread:"
        self._report_on_gui_thread(error, where, args)

    def _report_on_gui_thread(
        self, error: BaseException, where: str, args: threading.ExceptHookArgs | None = None
    ) -> None:
        """Report now on the GUI thread; from any other thread (a ``threading.Thread``, or a
        QThread whose ``run`` raised into ``sys.excepthook``), queue it to the GUI thread."""
        if QThread.currentThread() is self.thread():
            self.report(error, where)
            return
        try:
            self._raised_elsewhere.emit(error, where)
        except RuntimeError:  # the reporter is gone (the app is closing): the usual path
            if args is not None and self._previous_thread_hook is not None:
                self._previous_thread_hook(args)
            elif self._previous_hook is not None:
                self._previous_hook(type(error), error, error.__traceback__)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, BaseException):
            self.report(error, f"{context.get('message') or 'In an asyncio callback'}:")
        else:  # a complaint without an exception (an unclosed session): log it, no panel
            log.warning("%s", context.get("message") or "The event loop reported a problem.")


def _signature(error: BaseException) -> tuple[object, ...]:
    """The same kind of error: same class, raised along the same lines of code."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    return (type(error).__qualname__, *((f.filename, f.lineno, f.name) for f in frames))


def _title(error: BaseException) -> str:
    message = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"
