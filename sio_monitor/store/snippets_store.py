"""Where the emit console's snippets and variables live between runs."""

from __future__ import annotations

import json
from pathlib import Path

from sio_monitor.domain.emit.emit_requests import RequestError
from sio_monitor.domain.emit.snippets import SnippetBook, book_from_json, book_to_json
from sio_monitor.store.json_files import (
    DocumentError,
    config_dir,
    quarantine,
    read_json,
    write_json,
)

FILE_NAME = "snippets.json"


class SnippetStore:
    """Loads the book once and saves it whole after every change (it is small)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME

    def load(self) -> SnippetBook:
        """The saved book; DocumentError (after moving the bad file aside) when unreadable."""
        document = read_json(self.path)
        if document is None:
            return SnippetBook()
        try:
            return book_from_json(document)
        except RequestError as exc:
            backup = quarantine(self.path)
            raise DocumentError(f"{self.path}: {exc} It was kept as {backup}.") from None

    def save(self, book: SnippetBook) -> None:
        write_json(self.path, book_to_json(book))


def export_book(book: SnippetBook, path: Path) -> None:
    """Snippets only: variables stay with the connection they were made for."""
    write_json(path, book_to_json(book, include_variables=False))


def import_book(path: Path) -> SnippetBook:
    """Read a file a user chose; DocumentError or RequestError say what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"Could not read {path}: {exc.strerror or exc}.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path.name} is not valid JSON: {exc}.") from None
    return book_from_json(document)
