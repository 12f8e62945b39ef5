"""The profiles manager: create, edit, duplicate, delete, import and export connection profiles.

A profile is edited in place and saved explicitly; while it has unsaved
changes the list refuses to switch to another one (and says so) rather than
drop what was typed. Where the secrets go is always on screen: the system
keyring, nowhere (asked at connect time), or, after an explicit opt-in with a
warning beside it, the profile file in plain text.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.profiles import (
    ADMIN_PASSWORD,
    PROBE_AUTH,
    Profile,
    ProfileError,
    new_profile_id,
    probe_section,
    unique_name,
)
from sio_monitor.domain.settings import ConnectionSettings, SettingsError
from sio_monitor.store.profiles_store import ProfilesError, ProfileStore
from sio_monitor.ui.connection.admin_form import AdminForm
from sio_monitor.ui.connection.probe_connection import ProbeConnectionPanel
from sio_monitor.ui.explorer.action_dialogs import confirm
from sio_monitor.ui.widgets.inline_error import ERROR_COLOUR, inline_error

NOT_STORED = "Not stored on this computer: asked at connect time"
EDIT_SIGNALS = (
    (QLineEdit, "textChanged"),
    (QPlainTextEdit, "textChanged"),
    (QComboBox, "currentIndexChanged"),
    (QDoubleSpinBox, "valueChanged"),
    (QAbstractButton, "toggled"),
)


def _plain_label(name: str, text: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class ProfilesDialog(QDialog):
    """The list of profiles beside an editor for the one selected."""

    profiles_changed = Signal()
    connect_requested = Signal(str)  # profile id

    def __init__(self, store: ProfileStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profilesDialog")
        self.setWindowTitle("Connection profiles")
        self.setMinimumSize(900, 600)
        self.store = store
        self.editing: Profile | None = None  # the saved profile shown, None for a new draft
        self.dirty = False
        self._filling = False

        self.list = QListWidget(objectName="profileList")
        self.list.setMaximumWidth(220)
        self.list.currentRowChanged.connect(self._row_changed)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self._button("New", "newProfile", self.new_profile))
        row.addWidget(self._button("Duplicate", "duplicateProfile", self.duplicate_profile))
        row.addWidget(self._button("Delete…", "deleteProfile", self.delete_profile))
        left.addLayout(row)

        self.name = QLineEdit(objectName="profileName")
        self.admin = AdminForm()
        tabs = QTabWidget(objectName="profileTabs")
        tabs.addTab(self.admin, "Admin connection")
        tabs.addTab(self._probe_tab(), "Emit console probe")

        self.store_secrets = QCheckBox(
            "Store this profile's passwords and tokens in the profile file",
            objectName="storeSecrets",
        )
        self.warning = _plain_label(
            "secretsWarning",
            f"Warning: they will be written in plain text to {store.path}. Anyone who can "
            "read that file can use them.",
        )
        self.warning.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        self.warning.hide()
        self.store_secrets.toggled.connect(self.warning.setVisible)
        self.keyring_note = _plain_label("keyringNote", store.secrets_note())
        self.note = _plain_label("profilesNote")
        self.error = inline_error("profilesError")

        form = QFormLayout()
        form.addRow("Profile name", self.name)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(tabs, 1)
        for widget in (self.store_secrets, self.warning, self.keyring_note, self.note, self.error):
            right.addWidget(widget)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 3)

        bottom = QHBoxLayout()
        bottom.addWidget(self._button("Import…", "importProfiles", self.ask_import_path))
        bottom.addWidget(self._button("Export…", "exportProfiles", self.ask_export_path))
        bottom.addStretch(1)
        self.revert_button = self._button("Revert", "revertProfile", self.revert)
        self.save_button = self._button("Save", "saveProfile", self.save)
        self.save_button.setDefault(True)
        self.connect_button = self._button("Connect", "connectProfile", self.connect_profile)
        for button in (self.revert_button, self.save_button, self.connect_button):
            bottom.addWidget(button)
        bottom.addWidget(self._button("Close", "closeProfiles", self.close))
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

        self._watch_edits()
        self.admin.url.textEdited.connect(self._follow_admin_url)
        self.refresh()
        if store.problem:
            self._fail(store.problem)

    # --- what a user does ------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Rebuild the list from the store and show ``select`` (else the first profile)."""
        self.list.blockSignals(True)
        self.list.clear()
        for profile in self.store.profiles():
            item = QListWidgetItem(profile.name)
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        wanted = select or (self.editing.id if self.editing is not None else None)
        profiles = self.store.profiles()
        if profiles:
            self.select(wanted if self._row_of(wanted) >= 0 else profiles[0].id)
        else:
            self.new_profile()

    def select(self, profile_id: str) -> None:
        self._set_row(self._row_of(profile_id))
        stored = self.store.get(profile_id)
        if stored is not None:
            self._show(self.store.resolved(stored))

    def new_profile(self) -> None:
        if self._refuse_when_dirty():
            return
        self._set_row(-1)
        self._show(None)  # unsaved, but nothing typed yet: leaving it loses nothing

    def save(self) -> Profile | None:
        try:
            profile = self.draft()
            sentence = self.store.save(profile)
        except (SettingsError, ProfileError, ProfilesError) as exc:
            self._fail(str(exc))
            return None
        self.refresh(profile.id)
        self.note.setText(sentence)
        self.profiles_changed.emit()
        return self.editing

    def revert(self) -> None:
        self.dirty = False
        self.refresh()

    def duplicate_profile(self) -> None:
        if self._refuse_when_dirty() or self.editing is None:
            return
        try:
            copy = self.store.duplicate(self.editing.id)
        except ProfilesError as exc:
            self._fail(str(exc))
            return
        self.refresh(copy.id)
        self.note.setText(f"Duplicated as {copy.name!r}.")
        self.profiles_changed.emit()

    def delete_profile(self) -> None:
        if self.editing is None:  # a draft: nothing saved to delete
            self.revert()
            return
        name, profile_id = self.editing.name, self.editing.id
        question = f"Delete the profile {name!r}? Its passwords and tokens are deleted too."
        confirm(self, "Delete profile", question, "Delete", lambda: self.delete_now(profile_id))

    def delete_now(self, profile_id: str) -> None:
        try:
            self.store.delete(profile_id)
        except ProfilesError as exc:
            self._fail(str(exc))
            return
        self.dirty = False
        self.editing = None
        self.refresh()
        self.profiles_changed.emit()

    def connect_profile(self) -> None:
        if not self._refuse_when_dirty() and self.editing is not None:
            self.connect_requested.emit(self.editing.id)

    def export_to(self, path: str | Path) -> None:
        try:
            count = self.store.export_to(Path(path))
        except ProfilesError as exc:
            self._fail(str(exc))
            return
        self.note.setText(f"Exported {count} profile(s) to {path}, without passwords or tokens.")

    def import_from(self, path: str | Path) -> None:
        if self._refuse_when_dirty():
            return
        try:
            imported, problem = self.store.import_from(Path(path))
        except ProfilesError as exc:
            self._fail(str(exc))
            return
        names = ", ".join(p.name for p in imported) or "none"
        self.note.setText(
            f"Imported {len(imported)} profile(s): {names}. Add their passwords and tokens "
            "before connecting: exports carry none."
        )
        self.refresh(imported[0].id if imported else None)
        if problem:
            self._fail(problem)
        self.profiles_changed.emit()

    def ask_export_path(self) -> None:
        self._ask_path("Export profiles", QFileDialog.AcceptMode.AcceptSave, self.export_to)

    def ask_import_path(self) -> None:
        self._ask_path("Import profiles", QFileDialog.AcceptMode.AcceptOpen, self.import_from)

    def draft(self) -> Profile:
        """The profile as typed; raises SettingsError or ProfileError with a sentence."""
        admin = self.admin.settings()
        probe = None
        if self.probe_box.isChecked():
            keep = self.editing.probe if self.editing is not None else None
            probe = probe_section(self.probe.settings(), keep)
        unknown_auth = (  # left empty because it was never known here: asked at connect time
            self.editing is not None
            and PROBE_AUTH in self.editing.missing_secrets()
            and (probe or {}).get("auth", 0) is None
        )
        return Profile(
            name=self.name.text(),
            admin=admin,
            probe=probe,
            store_secrets=self.store_secrets.isChecked(),
            id=self.editing.id if self.editing is not None else new_profile_id(),
            declared=frozenset({PROBE_AUTH}) if unknown_auth else frozenset(),
        ).validated()

    # --- internals -----------------------------------------------------------------------

    def _probe_tab(self) -> QWidget:
        """The probe's options without its live parts (Connect, state), scrolled when short."""
        title = "Connect the emit console's probe with this profile"
        self.probe_box = QGroupBox(title, objectName="probeGroup", checkable=True, checked=False)
        self.probe = ProbeConnectionPanel()
        self.probe.more.setChecked(True)
        for live in (self.probe.more, self.probe.connect_button, self.probe.state):
            live.hide()
        QVBoxLayout(self.probe_box).addWidget(self.probe)
        scroll = QScrollArea(objectName="probeScroll", widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.probe_box)
        return scroll

    def _show(self, profile: Profile | None) -> None:
        self._filling = True
        self.editing = profile
        self.error.hide()
        if profile is None:
            self.name.setText(unique_name("New profile", self.store.names()))
            self.admin.fill(ConnectionSettings(url=""))
        else:
            self.name.setText(profile.name)
            self.admin.fill(profile.admin)
        self.store_secrets.setChecked(profile is not None and profile.store_secrets)
        missing = profile.missing_secrets() if profile is not None else ()
        self.admin.password.setPlaceholderText(NOT_STORED if ADMIN_PASSWORD in missing else "")
        self._show_probe(profile, missing)
        self._filling = False
        self.dirty = False
        self.connect_button.setEnabled(profile is not None)

    def _show_probe(self, profile: Profile | None, missing: tuple[str, ...]) -> None:
        self.probe_box.setChecked(profile is not None and profile.probe is not None)
        self.probe.auth.setPlaceholderText(
            NOT_STORED if PROBE_AUTH in missing else '{"token": "…"}  (JSON, optional)'
        )
        try:
            settings = profile.probe_settings() if profile is not None else None
        except ProfileError as exc:
            self._fail(str(exc))
            settings = None
        self.probe.fill(settings or ProbeSettings(url=self.admin.url.text().strip()))

    def _follow_admin_url(self, url: str) -> None:
        """A probe not in use yet follows the admin URL, the usual case."""
        if not self.probe_box.isChecked():
            self.probe.url.setText(url.strip())

    def _watch_edits(self) -> None:
        """Any change a user makes to the editor marks it unsaved."""
        for kind, signal in EDIT_SIGNALS:
            for widget in self.findChildren(kind):
                if kind is not QAbstractButton or widget.isCheckable():
                    getattr(widget, signal).connect(self._edited)
        self.probe_box.toggled.connect(self._edited)

    def _edited(self, *_: object) -> None:
        if not self._filling:
            self.dirty = True
            self.note.clear()

    def _row_changed(self, row: int) -> None:
        if self._refuse_when_dirty():
            self._set_row(self._row_of(self.editing.id if self.editing is not None else None))
            return
        item = self.list.item(row)
        if item is not None:
            self.select(str(item.data(Qt.ItemDataRole.UserRole)))

    def _row_of(self, profile_id: str | None) -> int:
        ids = [p.id for p in self.store.profiles()]
        return ids.index(profile_id) if profile_id in ids else -1

    def _set_row(self, row: int) -> None:
        """Move the list's selection without it asking to show another profile."""
        self.list.blockSignals(True)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)

    def _refuse_when_dirty(self) -> bool:
        if not self.dirty:
            return False
        self._fail(f"Save or revert the changes to {self.name.text().strip()!r} first.")
        return True

    def _fail(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.show()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _ask_path(self, title: str, mode: QFileDialog.AcceptMode, chosen: object) -> None:
        dialog = QFileDialog(self, title, "sio-monitor-profiles.json", "Profiles (*.json)")
        dialog.setAcceptMode(mode)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
