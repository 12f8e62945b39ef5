"""TLS against a real HTTPS server: a refused certificate is named, and each way to trust it works.

The server is python-socketio with ``instrument()`` on aiohttp over HTTPS on
127.0.0.1 (probe_servers.PythonProbeServer), its certificate made by trustme
(a CA of its own, unknown to this computer) or by openssl (self-signed). Both
the admin connection and the emit console's probe go through the same
sentences (sio_monitor/net/failures.py and certificates.py), and so does the
``snapshot`` command, run here as a child process with and without --ca-file.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.events import ConnectionChanged, ConnectionState, FailureKind
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.admin import AdminClient
from sio_monitor.net.probe import ProbeClient
from tests.integration.probe_servers import (
    PythonProbeServer,
    python_probe_server,
    self_signed_certificate,
)
from tests.support.net import Recorder

pytestmark = pytest.mark.network

ADMIN_PASSWORD = "tls-admin-pass-6631"
TIMEOUT = 5.0
OPT_OUT = "or turn verification off for this profile (or --insecure; not recommended"


@contextlib.asynccontextmanager
async def instrumented(tls: ssl.SSLContext) -> AsyncIterator[PythonProbeServer]:
    """The probe server over HTTPS, admin-instrumented with a password for the admin tests."""
    server = PythonProbeServer(tls)
    admin = server.sio.instrument(auth={"username": "admin", "password": ADMIN_PASSWORD})
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        admin.uninstrument()  # instrument() patches engineio for the whole process


def leaf_context(ca: trustme.CA, *names: str, **options: Any) -> tuple[ssl.SSLContext, str]:
    """A server context for a leaf certificate that ``ca`` signs, and its SHA-256 fingerprint."""
    leaf = ca.issue_cert(*names, **options)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context, fingerprint(leaf.cert_chain_pems[0].bytes())


def fingerprint(pem: bytes) -> str:
    return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex(":").upper()


def ca_file(ca: trustme.CA, folder: Path) -> str:
    path = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def admin_attempt(url: str, **options: Any) -> tuple[bool, str]:
    """One admin connect; its outcome and the last sentence the sink heard."""
    recorder = Recorder()
    settings = ConnectionSettings(
        url, username="admin", password=ADMIN_PASSWORD, connect_timeout=TIMEOUT, **options
    )
    client = AdminClient(settings, recorder)
    try:
        ok = await client.connect()
    finally:
        await client.close()
    changes = [e for e in recorder.events if isinstance(e, ConnectionChanged)]
    if not ok:
        assert changes[-1].state is ConnectionState.FAILED
        assert changes[-1].failure is FailureKind.UNREACHABLE
    return ok, changes[-1].message


async def probe_attempt(url: str, **options: Any) -> tuple[bool, str]:
    settings = ProbeSettings(url, connect_timeout=TIMEOUT, reconnection=False, **options)
    client = ProbeClient(settings.validated(), Recorder())
    try:
        ok = await client.connect()
    finally:
        await client.close()
    if not ok:
        assert client.failure is FailureKind.UNREACHABLE
    return ok, client.failure_message or ""


ATTEMPTS = {"admin": admin_attempt, "probe": probe_attempt}
#: What anyone on the way could read with verification off, per connection.
EXPOSED = {"admin": "the admin password", "probe": "the auth payload and headers"}


def test_verification_is_on_by_default() -> None:
    assert ConnectionSettings("https://monitor.example").verify_tls
    assert ProbeSettings("https://app.example").verify_tls


@pytest.mark.parametrize("connection", ["admin", "probe"])
def test_an_unknown_ca_is_named_and_trusted_by_its_ca_file_or_by_turning_verification_off(
    connection: str, tmp_path: Path
) -> None:
    ca = trustme.CA()
    context, sha256 = leaf_context(ca, "127.0.0.1", common_name="sio-tls-test.example")
    attempt = ATTEMPTS[connection]

    async def main() -> dict[str, tuple[bool, str]]:
        async with instrumented(context) as server:
            return {
                "default": await attempt(server.url),
                "ca file": await attempt(server.url, ca_file=ca_file(ca, tmp_path)),
                "off": await attempt(server.url, verify_tls=False),
            }

    outcomes = asyncio.run(main())
    ok, sentence = outcomes["default"]
    assert not ok
    assert sentence.startswith("The TLS certificate of 127.0.0.1 could not be verified: ")
    assert "its issuer is not a certificate authority this computer trusts" in sentence
    assert "issued to sio-tls-test.example by trustme" in sentence
    assert f"SHA-256 {sha256}" in sentence
    assert "Choose the CA file that signed it in the connection settings (or --ca-file)" in (
        sentence
    )
    assert OPT_OUT in sentence and EXPOSED[connection] in sentence
    assert sentence.count(". ") == 1, "two sentences, no more"
    assert ADMIN_PASSWORD not in sentence
    assert outcomes["ca file"] == (True, outcomes["ca file"][1]), outcomes["ca file"]
    assert outcomes["off"][0], outcomes["off"]


@pytest.mark.parametrize("connection", ["admin", "probe"])
def test_a_self_signed_certificate_is_named_with_its_fingerprint(
    connection: str, tmp_path: Path
) -> None:
    context, bundle = self_signed_certificate(tmp_path)
    sha256 = fingerprint(bundle.read_bytes())

    async def main() -> tuple[tuple[bool, str], tuple[bool, str]]:
        async with instrumented(context) as server:
            refused = await ATTEMPTS[connection](server.url)
            trusted = await ATTEMPTS[connection](server.url, ca_file=str(bundle))
            return refused, trusted

    (ok, sentence), trusted = asyncio.run(main())
    assert not ok
    assert "could not be verified: it is self-signed (issued to 127.0.0.1 by 127.0.0.1" in (
        sentence
    )
    assert f"SHA-256 {sha256}" in sentence
    assert "Choose this certificate as the CA file in the connection settings" in sentence
    assert OPT_OUT in sentence
    assert trusted[0], trusted[1]


@pytest.mark.parametrize("connection", ["admin", "probe"])
def test_a_host_name_mismatch_says_which_names_the_certificate_is_for(
    connection: str, tmp_path: Path
) -> None:
    ca = trustme.CA()
    context, sha256 = leaf_context(ca, "elsewhere.example")

    async def main() -> tuple[bool, str]:
        async with instrumented(context) as server:
            return await ATTEMPTS[connection](server.url, ca_file=ca_file(ca, tmp_path))

    ok, sentence = asyncio.run(main())
    assert not ok
    assert "could not be verified: it is for elsewhere.example, not 127.0.0.1" in sentence
    assert f"SHA-256 {sha256}" in sentence
    assert "Connect by a name the certificate is for, " + OPT_OUT in sentence


def test_an_expired_certificate_says_when_it_expired(tmp_path: Path) -> None:
    ca = trustme.CA()
    now = datetime.datetime.now(datetime.UTC)
    context, _ = leaf_context(
        ca,
        "127.0.0.1",
        not_before=now - datetime.timedelta(days=30),
        not_after=now - datetime.timedelta(days=2),
    )
    expired = (now - datetime.timedelta(days=2)).strftime("%Y-%m-%d")

    async def main() -> tuple[bool, str]:
        async with instrumented(context) as server:
            return await admin_attempt(server.url, ca_file=ca_file(ca, tmp_path))

    ok, sentence = asyncio.run(main())
    assert not ok
    assert f"could not be verified: it expired on {expired} (" in sentence
    assert "Renew the certificate on the server" in sentence


@pytest.mark.parametrize("connection", ["admin", "probe"])
def test_a_ca_file_without_a_certificate_is_named(connection: str, tmp_path: Path) -> None:
    ca = trustme.CA()
    context, _ = leaf_context(ca, "127.0.0.1")
    bundle = tmp_path / "notes.pem"
    bundle.write_text("not a certificate\n")

    async def main() -> tuple[bool, str]:
        async with instrumented(context) as server:
            return await ATTEMPTS[connection](server.url, ca_file=str(bundle))

    ok, sentence = asyncio.run(main())
    assert not ok
    assert sentence == (
        f"The CA file {bundle} could not be used (it holds no PEM certificate). Choose a PEM "
        "file with the certificate authority that signed the server's certificate."
    )


def test_https_to_a_plain_http_server_says_it_does_not_speak_tls() -> None:
    async def main() -> tuple[bool, str]:
        async with python_probe_server() as server:
            url = server.url.replace("http://", "https://")
            return await admin_attempt(url)

    ok, sentence = asyncio.run(main())
    assert not ok
    assert sentence.endswith(
        "does not answer in TLS: if the server does not use TLS, "
        "start the URL with http:// or ws:// instead."
    )


def test_the_snapshot_command_names_the_certificate_and_takes_ca_file(tmp_path: Path) -> None:
    ca = trustme.CA()
    context, sha256 = leaf_context(ca, "127.0.0.1")
    bundle = ca_file(ca, tmp_path)

    async def snapshot(url: str, *flags: str) -> tuple[int, str, str]:
        argv = [sys.executable, "-m", "sio_monitor", "snapshot", url, "--user", "admin", *flags]
        child = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "SIO_MONITOR_PASSWORD": ADMIN_PASSWORD},
        )
        out, err = await asyncio.wait_for(child.communicate(), 60)
        assert child.returncode is not None
        return child.returncode, out.decode(), err.decode()

    async def main() -> tuple[str, tuple[int, str, str], tuple[int, str, str]]:
        async with instrumented(context) as server:
            refused = await snapshot(server.url, "--timeout", str(TIMEOUT))
            trusted = await snapshot(server.url, "--timeout", str(TIMEOUT), "--ca-file", bundle)
            return server.url, refused, trusted

    url, (code, out, err), (trusted_code, trusted_out, trusted_err) = asyncio.run(main())
    assert code == 3 and out == ""
    assert err.startswith("The TLS certificate of 127.0.0.1 could not be verified")
    assert f"SHA-256 {sha256}" in err and err.count("\n") == 1
    assert trusted_code == 0, trusted_err
    assert trusted_out.startswith(f"{url}  (development mode)\n"), trusted_out
    assert "features: AGGREGATED_EVENTS, ALL_EVENTS" in trusted_out
