"""Profiles through the dialogs: made, edited, exported, connected with, and no secret on disk.

The no-secret test drives the real dialogs and the real application against
the demo server with an admin password, then reads every file under the
scratch config, data, cache and state directories looking for the secrets.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QTabWidget
from pytestqt.qtbot import QtBot

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.events import ConnectionChanged, ConnectionState
from sio_monitor.domain.profiles import Profile
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.store.profiles_store import ProfileStore
from sio_monitor.ui.connection.connect_dialog import ConnectDialog
from sio_monitor.ui.connection.profiles_dialog import ProfilesDialog
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.keyrings import MemoryKeyring

PASSWORD = "pw-Lk42-demo-admin"
BEARER = "Bearer hdr-Vb93-authorization"
TOKEN = "auth-Rt56-probe-token"
SECRETS = (PASSWORD, BEARER, TOKEN)


@dataclass
class Scratch:
    config: Path
    data: Path
    others: tuple[Path, ...]

    def files_with(self, secret: str) -> list[Path]:
        return [
            path
            for directory in (self.config, self.data, *self.others)
            for path in directory.rglob("*")
            if path.is_file() and secret.encode() in path.read_bytes()
        ]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scratch]:
    """Fresh user directories for platformdirs and for QSettings (which caches its path)."""
    suite_config = os.environ["XDG_CONFIG_HOME"]  # tests/conftest.py's scratch folder
    dirs = {name: tmp_path / name for name in ("config", "data", "cache", "state")}
    for name, path in dirs.items():
        path.mkdir()
        monkeypatch.setenv(f"XDG_{name.upper()}_HOME", str(path))
    previous = keyring.get_keyring()
    formats = (QSettings.Format.NativeFormat, QSettings.Format.IniFormat)
    for format_ in formats:
        QSettings.setPath(format_, QSettings.Scope.UserScope, str(dirs["config"]))
    try:
        yield Scratch(dirs["config"], dirs["data"], (dirs["cache"], dirs["state"]))
    finally:
        keyring.set_keyring(previous)
        for format_ in formats:
            QSettings.setPath(format_, QSettings.Scope.UserScope, suite_config)


class Shown(QObject):
    """Sets an asyncio event when the watched widget is shown."""

    def __init__(self, widget: QObject) -> None:
        super().__init__()
        self.event = asyncio.Event()
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.event.set()
        return False


def connect_button(dialog: ConnectDialog) -> object:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


@pytest.mark.network
@pytest.mark.parametrize("mode", ["keyring", "no keyring", "opt-in"])
def test_profiles_made_in_the_dialogs_leave_no_secret_on_disk(
    mode: str, scratch: Scratch, qtbot: QtBot, app_loop: BatchedQEventLoop
) -> None:
    memory = MemoryKeyring({})
    keyring.set_keyring(memory if mode == "keyring" else fail.Keyring())
    demo = DemoServer(clients=0, stats_interval=0.5, admin_password=PASSWORD)
    app_loop.run_until_complete(demo.start())
    try:
        store = ProfileStore()
        assert store.path.is_relative_to(scratch.config)

        # "Save as profile…" in the connect dialog: password and Authorization header.
        dialog = ConnectDialog(None, store)
        qtbot.addWidget(dialog)
        dialog.url.setText(demo.url)
        dialog.username.setText(demo.username or "")
        dialog.password.setText(PASSWORD)
        dialog.headers.setPlainText(f"Authorization: {BEARER}\nX-Trace: on")
        dialog.show()
        assert dialog.password.echoMode() is dialog.password.EchoMode.Password
        assert PASSWORD not in dialog.password.displayText()
        save_screenshot(dialog, "connect_dialog_profiles")
        dialog.save_button.click()
        assert dialog.name_prompt is not None
        dialog.name_prompt.setTextValue("demo")
        dialog.name_prompt.accept()
        assert store.names() == ["demo"], dialog.error.text()
        assert dialog.picker.currentText() == "demo"
        if mode == "keyring":
            assert dialog.note.text().endswith(
                "its passwords and tokens are in the system keyring."
            )
        else:
            assert dialog.note.text().endswith("they will be asked for at connect time.")

        # The manager: the probe's auth token, and the opt-in where chosen.
        manager = ProfilesDialog(store)
        qtbot.addWidget(manager)
        manager.show()
        assert manager.editing is not None and manager.editing.name == "demo"
        assert manager.probe is not None
        manager.probe_box.setChecked(True)
        manager.probe.auth.setText(f'{{"token": "{TOKEN}"}}')
        assert TOKEN not in manager.probe.auth.displayText()  # masked in any screenshot
        if mode == "opt-in":  # kept nowhere so far, so typed again with the opt-in
            assert manager.admin.password.placeholderText().startswith("Not stored")
            manager.admin.password.setText(PASSWORD)
            manager.admin.headers.setPlainText(f"Authorization: {BEARER}\nX-Trace: on")
            manager.store_secrets.setChecked(True)
        assert manager.warning.isVisible() is (mode == "opt-in")
        if mode == "keyring":  # the password came back from the keyring, masked
            assert manager.admin.password.text() == PASSWORD
            assert PASSWORD not in manager.admin.password.displayText()
        else:
            manager.findChild(QTabWidget, "profileTabs").setCurrentIndex(1)
        save_screenshot(manager, f"profiles_dialog_{mode.replace(' ', '_')}")
        manager.save_button.click()
        assert not manager.error.isVisible(), manager.error.text()
        assert not manager.dirty
        export = scratch.data / "profiles-export.json"
        manager.export_to(export)
        assert "without passwords or tokens" in manager.note.text()

        # Connect with the profile, as `sio-monitor --profile demo` does.
        chosen: list[Profile] = []
        changes: list[ConnectionChanged] = []

        async def connect() -> None:
            application = Application(GuiOptions(profile="demo"), profiles=ProfileStore())
            window = application.window
            window.connect_dialog.profile_chosen.connect(chosen.append)
            window.session.bridge.connection_changed.connect(changes.append)
            shown = Shown(window.connect_dialog)
            running = asyncio.ensure_future(application.run())
            try:
                if mode == "no keyring":  # asked for at connect time, then typed
                    await asyncio.wait_for(shown.event.wait(), 10)
                    asked = window.connect_dialog
                    assert "the Authorization header and the password" in asked.note.text()
                    asked.password.setText(PASSWORD)
                    connect_button(asked).click()
                    assert "Type the value of the Authorization header" in asked.error.text()
                    asked.headers.setPlainText(f"Authorization: {BEARER}\nX-Trace: on")
                    connect_button(asked).click()
                bridge = window.session.bridge
                await until(
                    lambda: any(c.state is ConnectionState.CONNECTED for c in changes),
                    bridge.connection_changed,
                )
            finally:
                window.close()
                await asyncio.wait_for(running, 3.0)

        app_loop.run_until_complete(connect())
    finally:
        app_loop.run_until_complete(demo.stop())

    assert chosen and chosen[-1].admin.password == PASSWORD
    if mode != "no keyring":
        assert chosen[-1].probe is not None and chosen[-1].probe["auth"] == {"token": TOKEN}
    written = {secret: scratch.files_with(secret) for secret in SECRETS}
    if mode == "opt-in":  # the grep finds them where the user asked for them, and only there
        assert written == {secret: [store.path] for secret in SECRETS}
    else:
        assert written == {secret: [] for secret in SECRETS}
    assert (scratch.config / "sio-monitor" / "recent.json").exists()
    assert not any(secret in export.read_text() for secret in SECRETS)
    if mode == "keyring":
        kept = list(memory.entries.values())
        assert PASSWORD in kept and BEARER in kept and any(TOKEN in v for v in kept)


def test_manager_guards_unsaved_changes_duplicates_and_deletes(
    scratch: Scratch, qtbot: QtBot
) -> None:
    memory = MemoryKeyring({})
    keyring.set_keyring(memory)
    store = ProfileStore()
    admin = ConnectionSettings("http://qa:3000", username="ops", password=PASSWORD)
    store.save(Profile("qa", admin))
    store.save(Profile("staging", ConnectionSettings("http://staging:3000")))
    manager = ProfilesDialog(store)
    qtbot.addWidget(manager)
    manager.show()
    assert manager.list.currentItem().text() == "qa"
    assert manager.admin.password.text() == PASSWORD  # from the keyring, masked
    assert PASSWORD not in manager.admin.password.displayText()

    manager.name.setText("qa-renamed")
    manager.list.setCurrentRow(1)
    assert manager.list.currentRow() == 0
    assert manager.error.text() == "Save or revert the changes to 'qa-renamed' first."
    manager.revert_button.click()
    assert manager.name.text() == "qa" and not manager.dirty

    manager.findChild(type(manager.save_button), "duplicateProfile").click()
    assert store.names() == ["qa", "qa (copy)", "staging"]
    assert manager.editing is not None and manager.editing.name == "qa (copy)"
    assert manager.admin.password.text() == PASSWORD
    copy_id = manager.editing.id

    manager.findChild(type(manager.save_button), "deleteProfile").click()
    box = manager.findChild(QMessageBox, "actionConfirmation")
    assert "'qa (copy)'" in box.text()
    next(b for b in box.buttons() if b.text() == "Delete").click()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the box deleted itself
    assert store.names() == ["qa", "staging"]
    assert not any(key.startswith(copy_id) for _, key in memory.entries)

    manager.findChild(type(manager.save_button), "newProfile").click()
    manager.name.setText("QA")
    manager.admin.url.setText("http://other:1")
    manager.save_button.click()
    assert manager.error.text() == "A profile named 'qa' exists already: choose another name."
    assert manager.dirty  # what was typed is still there
    assert manager.admin.url.text() == "http://other:1"


def test_connect_dialog_offers_recent_connections_and_says_what_a_profile_lacks(
    scratch: Scratch, qtbot: QtBot
) -> None:
    keyring.set_keyring(fail.Keyring())
    store = ProfileStore()
    store.save(
        Profile(
            "prod",
            ConnectionSettings(
                "https://prod.example", username="ops", password=PASSWORD,
                headers={"Authorization": BEARER},
            ),
        )
    )  # fmt: skip
    store.remember(ConnectionSettings("http://localhost:3000", username="admin", password="x"))
    dialog = ConnectDialog(None, store)
    qtbot.addWidget(dialog)
    items = [dialog.picker.itemText(i) for i in range(dialog.picker.count())]
    assert items == ["New connection", "prod", "", "Recent: http://localhost:3000 as admin"]
    dialog.picker.setCurrentIndex(3)
    dialog.picker.activated.emit(3)
    assert dialog.url.text() == "http://localhost:3000" and dialog.password.text() == ""
    assert dialog.note.text() == "Type the password: recent connections keep none."
    dialog.picker.activated.emit(1)
    assert dialog.url.text() == "https://prod.example"
    assert "the Authorization header and the password" in dialog.note.text()

    chosen: list[ConnectionSettings] = []
    dialog.settings_chosen.connect(chosen.append)
    dialog.picker.activated.emit(0)
    dialog.findChild(QPushButton, "manageProfiles").click()
    manager = dialog.findChild(ProfilesDialog)
    assert manager is not None and manager.isVisible()
    manager.connect_button.click()  # "prod", the only profile: asks what is not stored
    assert not manager.isVisible() and dialog.isVisible() and chosen == []
    assert dialog.picker.currentText() == "prod"
    dialog.password.setText(PASSWORD)
    dialog.headers.setPlainText(f"Authorization: {BEARER}")
    connect_button(dialog).click()
    assert [c.password for c in chosen] == [PASSWORD] and not dialog.isVisible()


def test_import_of_a_broken_file_is_a_sentence_and_a_corrupt_store_is_reported(
    scratch: Scratch, qtbot: QtBot
) -> None:
    keyring.set_keyring(fail.Keyring())
    folder = scratch.config / "sio-monitor"
    folder.mkdir()
    (folder / "profiles.json").write_text("{truncated")
    manager = ProfilesDialog(ProfileStore())
    qtbot.addWidget(manager)
    assert "profiles.json.bak" in manager.error.text()
    assert (folder / "profiles.json.bak").read_text() == "{truncated"
    bad = scratch.data / "not-profiles.json"
    bad.write_text("[1, 2]")
    manager.import_from(bad)
    assert manager.error.text().startswith("not-profiles.json cannot be imported")
