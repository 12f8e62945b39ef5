"""A server certificate that failed verification: which one it is, why, and how to trust it.

"Certificate verify failed" leaves a user guessing whether to pick a CA file,
fix the URL or renew the server's certificate, and gives them nothing to check
the certificate against before they trust it. So after a failed handshake the
certificate is fetched again in a short handshake that verifies nothing, and
the sentence names it (subject, issuer, expiry, SHA-256 fingerprint), says why
it was refused and what to do. Nothing from that unverified handshake is
trusted or sent anywhere: it only describes.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

#: What an eavesdropper could read when verification is off, per connection kind.
ADMIN_SECRETS = "the admin password"
PROBE_SECRETS = "the auth payload and headers"
#: The longest name from a certificate quoted in a sentence: it comes from the network.
NAME_LIMIT = 80

# OpenSSL's X509_V_ERR_* codes, as ``ssl.SSLCertVerificationError.verify_code`` carries them.
_NOT_YET_VALID, _EXPIRED = 9, 10
_SELF_SIGNED = 18
_UNKNOWN_ISSUER = frozenset({2, 19, 20, 21})
_NAME_MISMATCH = frozenset({62, 64})


class Problem(enum.Enum):
    """Why a certificate was refused; each asks for a different fix."""

    SELF_SIGNED = "self-signed"
    UNKNOWN_ISSUER = "unknown issuer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    NAME_MISMATCH = "host name mismatch"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What a person checks before trusting a certificate."""

    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    sha256: str  # upper-case hex pairs joined by colons, as browsers show it
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses
    self_signed: bool


def read_certificate(der: bytes) -> CertificateFacts:
    """Parse a DER certificate; ValueError when it is not one."""
    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        pass
    else:
        names.extend(alt.get_values_for_type(x509.DNSName))
        names.extend(str(ip) for ip in alt.get_values_for_type(x509.IPAddress))
    return CertificateFacts(
        subject=_name_of(cert.subject, fallback=names[0] if names else ""),
        issuer=_name_of(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        names=tuple(_plain(name) for name in names),
        self_signed=cert.issuer == cert.subject,
    )


def _name_of(name: x509.Name, fallback: str = "") -> str:
    """The common name, else ``fallback``, else the organisation (and unit), else the DN."""
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common:
        return _plain(str(common[0].value))
    if fallback:
        return _plain(fallback)
    organisation = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if organisation:
        unit = name.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        extra = f" ({unit[0].value})" if unit else ""
        return _plain(f"{organisation[0].value}{extra}")
    return _plain(name.rfc4514_string() or "no name")


def _plain(text: str) -> str:
    """A certificate field fit for one line of a sentence: no control characters, short."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def matches_host(facts: CertificateFacts, host: str) -> bool:
    """Whether ``host`` is one of the certificate's names (a ``*.`` wildcard covers one label)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return any(_same_address(name, address) for name in facts.names)
    wanted = host.lower().rstrip(".")
    candidates = facts.names or (facts.subject,)
    for name in (n.lower().rstrip(".") for n in candidates):
        if name == wanted:
            return True
        if name.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == name[2:]:
            return True
    return False


def _same_address(name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(name) == address
    except ValueError:
        return False


def problem_of(
    facts: CertificateFacts,
    host: str,
    error: ssl.SSLCertVerificationError | None = None,
    now: datetime.datetime | None = None,
) -> Problem:
    """Why the certificate was refused: OpenSSL's own code when known, else read off it."""
    code = getattr(error, "verify_code", None)
    if code == _SELF_SIGNED:
        return Problem.SELF_SIGNED
    if code in _UNKNOWN_ISSUER:
        return Problem.UNKNOWN_ISSUER
    if code == _EXPIRED:
        return Problem.EXPIRED
    if code == _NOT_YET_VALID:
        return Problem.NOT_YET_VALID
    if code in _NAME_MISMATCH:
        return Problem.NAME_MISMATCH
    if code is not None:
        return Problem.OTHER
    now = now or datetime.datetime.now(datetime.UTC)
    if facts.not_after < now:
        return Problem.EXPIRED
    if facts.not_before > now:
        return Problem.NOT_YET_VALID
    if not matches_host(facts, host):
        return Problem.NAME_MISMATCH
    return Problem.SELF_SIGNED if facts.self_signed else Problem.UNKNOWN_ISSUER


def untrusted_sentence(
    host: str,
    facts: CertificateFacts,
    error: ssl.SSLCertVerificationError | None = None,
    *,
    ca_file: str | None = None,
    secrets: str = ADMIN_SECRETS,
    now: datetime.datetime | None = None,
) -> str:
    """Two sentences: which certificate was refused and why; how to trust it."""
    problem = problem_of(facts, host, error, now)
    reason = {
        Problem.SELF_SIGNED: "it is self-signed",
        Problem.UNKNOWN_ISSUER: (
            f"its issuer is not in the CA file {os.path.basename(ca_file)}"
            if ca_file
            else "its issuer is not a certificate authority this computer trusts"
        ),
        Problem.EXPIRED: f"it expired on {_day(facts.not_after)}",
        Problem.NOT_YET_VALID: f"it is not valid before {_day(facts.not_before)}",
        Problem.NAME_MISMATCH: f"it is for {_names(facts)}, not {host}",
        Problem.OTHER: _plain(getattr(error, "verify_message", "") or "it was refused"),
    }[problem]
    details = (
        f"issued to {facts.subject} by {facts.issuer}, valid until {_day(facts.not_after)}, "
        f"SHA-256 {facts.sha256}"
    )
    trust = {
        Problem.SELF_SIGNED: "Choose this certificate as the CA file in the connection "
        "settings (or --ca-file)",
        Problem.EXPIRED: "Renew the certificate on the server (or check this computer's clock)",
        Problem.NOT_YET_VALID: "Check this computer's clock, or the certificate on the server",
        Problem.NAME_MISMATCH: "Connect by a name the certificate is for",
    }.get(problem, "Choose the CA file that signed it in the connection settings (or --ca-file)")
    return (
        f"The TLS certificate of {host} could not be verified: {reason} ({details}). "
        f"{trust}, {opt_out_advice(secrets)}"
    )


def unverified_sentence(host: str, *, secrets: str = ADMIN_SECRETS) -> str:
    """The sentence when the certificate itself could not be fetched to describe it."""
    return (
        f"The TLS certificate of {host} could not be verified. Choose the CA file that signed "
        f"it in the connection settings (or --ca-file), {opt_out_advice(secrets)}"
    )


def opt_out_advice(secrets: str = ADMIN_SECRETS) -> str:
    """The way out, with its cost named: a user should know what they give up."""
    return (
        "or turn verification off for this profile (or --insecure; not recommended: anyone "
        f"between you and the server could read {secrets})."
    )


def _day(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _names(facts: CertificateFacts) -> str:
    names = facts.names or (facts.subject,)
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


async def fetch_peer_certificate(host: str, port: int, timeout: float) -> bytes:
    """The server's certificate (DER) from a handshake that verifies nothing.

    Raises OSError, ssl.SSLError or TimeoutError when there is no TLS server to ask.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=context, server_hostname=host or None),
        timeout,
    )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.transport.abort()  # no TLS close-notify exchange to wait for: it only looked
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


async def describe_untrusted_server(
    host: str,
    port: int,
    timeout: float,
    error: ssl.SSLCertVerificationError | None = None,
    *,
    ca_file: str | None = None,
    secrets: str = ADMIN_SECRETS,
) -> str:
    """The sentence for a refused certificate, naming it when it can be fetched."""
    try:
        facts = read_certificate(await fetch_peer_certificate(host, port, timeout))
    except (OSError, TimeoutError, ValueError):  # ssl.SSLError is an OSError
        return unverified_sentence(host, secrets=secrets)
    return untrusted_sentence(host, facts, error, ca_file=ca_file, secrets=secrets)
