"""Snippets and variables: saved, exported, imported, and secrets kept out of files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sio_monitor.domain.emit.emit_requests import ArgSpec, EmitRequest, RequestError
from sio_monitor.domain.emit.snippets import (
    Snippet,
    SnippetBook,
    Variable,
    book_from_json,
    book_to_json,
)
from sio_monitor.store.json_files import DocumentError
from sio_monitor.store.snippets_store import SnippetStore, export_book, import_book

URL = "http://staging:3000"


def sample_book() -> SnippetBook:
    book = SnippetBook()
    book.put(Snippet("join lobby", EmitRequest("join", args=(ArgSpec("string", "{{room}}"),))))
    book.put(Snippet("Ping", EmitRequest("ping", ack=True)))
    book.set_variables(URL, [Variable("room", "lobby"), Variable("token", "s3cr3t", secret=True)])
    return book


def test_the_book_round_trips_and_leaves_secret_variables_out(tmp_path: Path) -> None:
    store = SnippetStore(tmp_path / "snippets.json")
    store.save(sample_book())
    assert "s3cr3t" not in store.path.read_text()
    loaded = store.load()
    assert loaded.names() == ["join lobby", "Ping"]
    assert loaded.snippets["join lobby"] == sample_book().snippets["join lobby"]
    assert loaded.values_for(URL) == {"room": "lobby"}


def test_export_has_snippets_only_and_imports_into_another_book(tmp_path: Path) -> None:
    target = tmp_path / "exported.json"
    export_book(sample_book(), target)
    assert "variables" not in json.loads(target.read_text())
    other = SnippetBook()
    other.put(Snippet("Ping", EmitRequest("old")))
    assert other.merge(import_book(target)) == 2
    assert other.snippets["Ping"].request.event == "ping"  # the imported one wins


def test_a_corrupt_file_is_kept_aside_and_the_book_starts_empty(tmp_path: Path) -> None:
    store = SnippetStore(tmp_path / "snippets.json")
    store.path.write_text("{not json")
    with pytest.raises(DocumentError, match="kept as"):
        store.load()
    assert (tmp_path / "snippets.json.bak").read_text() == "{not json"
    assert store.load().names() == []


def test_a_newer_format_is_refused_with_what_to_do() -> None:
    with pytest.raises(RequestError, match="Update SIO Monitor"):
        book_from_json({"format": "sio-monitor-snippets", "version": 99})


def test_a_nameless_snippet_is_refused() -> None:
    with pytest.raises(RequestError, match="name"):
        SnippetBook().put(Snippet("  ", EmitRequest("x")))


def test_importing_something_else_says_so(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(book_to_json(sample_book()) | {"format": "x"}))
    with pytest.raises(RequestError, match="not a SIO Monitor snippets file"):
        import_book(path)
