"""Small JSON documents in the user's directories, written so that a crash never loses one.

Every save goes to a temporary file in the same directory and is renamed over
the old one, so a reader sees either the old document or the new one. A
document that cannot be read is moved aside (``name.json.bak``), never
overwritten, so nothing a user saved is lost to a bug or a bad edit.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "sio-monitor"


class DocumentError(ValueError):
    """A saved document could not be read; the message says which file and what to do."""


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def write_json(path: Path, document: Any) -> None:
    """Replace ``path`` with ``document`` atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_json(path: Path) -> Any:
    """The document at ``path``, or None when there is none yet.

    An unreadable one is moved to ``path.bak`` and DocumentError says so: the
    caller starts empty, and the user still has the file to repair.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DocumentError(f"Could not read {path}: {exc.strerror or exc}.") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        backup = quarantine(path)
        raise DocumentError(
            f"{path} is not valid JSON ({exc}); it was kept as {backup} and a new one started."
        ) from None


def quarantine(path: Path) -> Path:
    """Move a bad document aside without overwriting an earlier one; return where it went."""
    backup = path.with_name(path.name + ".bak")
    number = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.{number}.bak")
        number += 1
    os.replace(path, backup)
    return backup
