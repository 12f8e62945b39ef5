"""The connect dialog: every option needed to reach a real staging server's admin namespace.

Opened with ``open()`` and answered through ``settings_chosen``: ``exec()`` would
spin a nested Qt loop under running asyncio tasks. A field that cannot work is
named inline under the form, and the dialog stays open with everything typed.

Given a profile store, it also offers the saved profiles and the recent
connections, and saves what is typed as a new profile. A profile whose secrets
are not stored on this computer fills everything else, and the dialog asks for
exactly the secrets it lacks.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.profiles import ADMIN_PASSWORD, Profile
from sio_monitor.domain.settings import ConnectionSettings, SettingsError
from sio_monitor.store.profiles_store import ProfilesError, ProfileStore
from sio_monitor.ui.connection.admin_form import AdminForm
from sio_monitor.ui.explorer.action_dialogs import ask_room
from sio_monitor.ui.widgets.inline_error import inline_error

NO_PROFILE = "New connection"


def describe_missing(slots: tuple[str, ...]) -> str:
    """``the password and the Authorization header``: the admin secrets a profile lacks."""
    names = [
        "the password" if slot == ADMIN_PASSWORD else f"the {slot.split('.', 2)[2]} header"
        for slot in slots
        if slot.startswith("admin.")
    ]
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1] if names else "")))


class ConnectDialog(QDialog):
    """Asks where and how to connect; emits ``settings_chosen`` with valid settings."""

    settings_chosen = Signal(object)  # ConnectionSettings
    profile_chosen = Signal(object)  # Profile as connected (its admin part as typed)

    def __init__(self, parent: QWidget | None = None, store: ProfileStore | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to a Socket.IO server")
        self.setMinimumWidth(520)
        self.store: ProfileStore | None = None
        self.profile: Profile | None = None  # the picked profile, secrets from the keyring
        self._manager: QDialog | None = None

        self.picker = QComboBox(objectName="profilePicker")
        self.picker.activated.connect(self._picked)
        manage = QPushButton("Manage…", objectName="manageProfiles")
        manage.clicked.connect(self.manage_profiles)
        self.picker_row = QWidget()
        row = QHBoxLayout(self.picker_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Profile"))
        row.addWidget(self.picker, 1)
        row.addWidget(manage)

        self.form = form = AdminForm(self)
        self.url, self.path, self.namespace = form.url, form.path, form.namespace
        self.username, self.password, self.transport = form.username, form.password, form.transport
        self.verify_tls, self.ca_file, self.headers = form.verify_tls, form.ca_file, form.headers
        self.timeout = form.timeout

        self.note = QLabel(objectName="profileNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.hide()
        self.error = inline_error("connectError")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.save_button = buttons.addButton(
            "Save as profile…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.setObjectName("saveProfileButton")
        self.save_button.clicked.connect(self.ask_profile_name)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        self.name_prompt: QDialog | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(self.picker_row)
        layout.addWidget(self.form)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.set_profile_store(store)

    # --- what the window and the application call ----------------------------------

    def set_profile_store(self, store: ProfileStore | None) -> None:
        """Offer profiles and recent connections from ``store``; None hides both."""
        self.store = store
        self.picker_row.setVisible(store is not None)
        self.save_button.setVisible(store is not None)
        self.refresh_profiles()

    def refresh_profiles(self) -> None:
        """Rebuild the picker, keeping the picked profile when it still exists."""
        self.picker.clear()
        self.picker.addItem(NO_PROFILE, None)
        if self.store is None:
            return
        for profile in self.store.profiles():
            self.picker.addItem(profile.name, f"profile:{profile.id}")
        recent = self.store.recent()
        if recent:
            self.picker.insertSeparator(self.picker.count())
        for index, entry in enumerate(recent):
            self.picker.addItem(f"Recent: {entry.label}", f"recent:{index}")
        if self.profile is not None:
            self._show_picked(self.profile.id)

    def fill(self, settings: ConnectionSettings) -> None:
        """Show ``settings`` in the fields: the last ones used, or those from the command line."""
        self.form.fill(settings)

    def focus_password(self) -> None:
        self.password.setFocus()

    def settings(self) -> ConnectionSettings:
        return self.form.settings()

    def select_profile(self, profile_id: str) -> Profile | None:
        """Fill the fields from a profile; returns it, with the secrets the keyring holds."""
        stored = self.store.get(profile_id) if self.store is not None else None
        if self.store is None or stored is None:
            return None
        self.profile = self.store.resolved(stored)
        self.form.fill(self.profile.admin)
        self._show_picked(profile_id)
        self.error.hide()
        missing = [s for s in self.profile.missing_secrets() if s.startswith("admin.")]
        self._say(
            f"Type {describe_missing(tuple(missing))}: not stored on this computer."
            if missing
            else None
        )
        if ADMIN_PASSWORD in missing:
            self.focus_password()
        return self.profile

    def connect_profile(self, profile_id: str) -> None:
        """Connect with a profile straight away, or open the dialog to ask what it lacks."""
        profile = self.select_profile(profile_id)
        if profile is None:
            return
        if any(s.startswith("admin.") for s in profile.missing_secrets()):
            self.open()
            self.focus_password()
        else:
            self._try_accept()

    def manage_profiles(self) -> None:
        if self.store is None:
            return
        if self._manager is None:
            from sio_monitor.ui.connection.profiles_dialog import ProfilesDialog

            manager = ProfilesDialog(self.store, self)
            manager.profiles_changed.connect(self.refresh_profiles)
            manager.connect_requested.connect(self._connect_from_manager)
            self._manager = manager
        self._manager.open()

    def ask_profile_name(self) -> None:
        """Ask for a name, then save what is typed as a new profile."""
        try:
            self.settings()
        except SettingsError as exc:
            self._fail(str(exc))
            return
        self.name_prompt = ask_room(self, "Save as profile", self.save_as_profile)
        self.name_prompt.setObjectName("profileNameDialog")
        self.name_prompt.setLabelText("Profile name:")

    def save_as_profile(self, name: str) -> Profile | None:
        if self.store is None:
            return None
        try:
            settings = self.settings()
            probe = self.profile.probe if self.profile is not None else None
            profile = Profile(name, settings, probe=probe)
            sentence = self.store.save(profile)
        except (SettingsError, ProfilesError) as exc:
            self._fail(str(exc))
            return None
        self.error.hide()
        self.profile = self.store.resolved(self.store.get(profile.id) or profile)
        self.refresh_profiles()
        self._say(sentence)
        return self.profile

    # --- internals -----------------------------------------------------------------

    def _picked(self, index: int) -> None:
        kind, _, key = str(self.picker.itemData(index) or "").partition(":")
        if not key or self.store is None:
            self.profile = None
            self._say(None)
        elif kind == "profile":
            self.select_profile(key)
        else:
            entry = self.store.recent()[int(key)]
            self.profile = None
            self.form.fill(entry.settings)
            needs = bool(entry.settings.username)
            self._say("Type the password: recent connections keep none." if needs else None)
            if needs:
                self.focus_password()

    def _show_picked(self, profile_id: str) -> None:
        index = self.picker.findData(f"profile:{profile_id}")
        self.picker.setCurrentIndex(max(0, index))
        if index < 0:
            self.profile = None

    def _connect_from_manager(self, profile_id: str) -> None:
        if self._manager is not None:
            self._manager.close()
        self.connect_profile(profile_id)

    def _try_accept(self) -> None:
        try:
            settings = self.settings()
            self._check_secrets_typed(settings)
        except SettingsError as exc:
            self._fail(str(exc))
            return
        self.error.hide()
        if self.profile is not None:
            self.profile_chosen.emit(replace(self.profile, admin=settings))
        self.settings_chosen.emit(settings)
        self.accept()

    def _check_secrets_typed(self, settings: ConnectionSettings) -> None:
        """A picked profile's secret headers must have a value before connecting."""
        if self.profile is None:
            return
        for slot in self.profile.missing_secrets():
            name = slot.split(".", 2)[2] if slot.startswith("admin.headers.") else None
            if name is not None and not settings.headers.get(name):
                raise SettingsError(
                    f"Type the value of the {name} header: it is not stored on this computer."
                )

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _say(self, sentence: str | None) -> None:
        self.note.setText(sentence or "")
        self.note.setVisible(sentence is not None)
