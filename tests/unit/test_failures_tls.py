"""Certificate sentences from certificates alone: what is read off them, and why one is refused.

No network: trustme makes the certificates, and ``problem_of`` is asked with and
without OpenSSL's verify code (the code when a handshake gave one, the
certificate's own fields otherwise).
"""

from __future__ import annotations

import datetime
import ssl

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from sio_monitor.domain.events import FailureKind
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.certificates import (
    PROBE_SECRETS,
    CertificateFacts,
    Problem,
    matches_host,
    problem_of,
    read_certificate,
    untrusted_sentence,
)
from sio_monitor.net.failures import describe_connect_error

NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


def der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


def leaf(*names: str, **options: object) -> tuple[CertificateFacts, bytes]:
    ca = trustme.CA(organization_name="Test Authority")
    pem = ca.issue_cert(*names, **options).cert_chain_pems[0].bytes()  # type: ignore[arg-type]
    return read_certificate(der_of(pem)), pem


def verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_code = code
    error.verify_message = message
    return error


def test_the_facts_a_person_checks_are_read_off_the_certificate() -> None:
    facts, pem = leaf("api.example", "127.0.0.1", common_name="Staging API")
    expected = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())
    assert facts.subject == "Staging API"
    assert facts.issuer.startswith("Test Authority (Testing CA #")
    assert facts.names == ("api.example", "127.0.0.1")
    assert facts.sha256 == expected.hex(":").upper() and len(facts.sha256) == 95
    assert not facts.self_signed
    unnamed, _ = leaf("only-san.example")
    assert unnamed.subject == "only-san.example", "no CN: the first name it is for"


def test_host_names_match_exactly_by_wildcard_or_by_address() -> None:
    facts, _ = leaf("*.example.org", "api.example", "::1")
    assert matches_host(facts, "API.example")
    assert matches_host(facts, "eu.example.org")
    assert not matches_host(facts, "a.eu.example.org"), "a wildcard covers one label"
    assert not matches_host(facts, "example.org")
    assert matches_host(facts, "0:0::1")
    assert not matches_host(facts, "127.0.0.1")


EXPIRED = {"not_before": NOW - 9 * DAY, "not_after": NOW - DAY}
NOT_YET = {"not_before": NOW + DAY, "not_after": NOW + 9 * DAY}


@pytest.mark.parametrize(
    ("options", "host", "problem"),
    [
        (EXPIRED, "api.example", Problem.EXPIRED),
        (NOT_YET, "api.example", Problem.NOT_YET_VALID),
        ({}, "other.example", Problem.NAME_MISMATCH),
        ({}, "api.example", Problem.UNKNOWN_ISSUER),
    ],
)
def test_without_a_verify_code_the_problem_is_read_off_the_certificate(
    options: dict[str, object], host: str, problem: Problem
) -> None:
    facts, _ = leaf("api.example", **options)
    assert problem_of(facts, host, None, NOW) is problem


def test_a_verify_code_wins_over_the_certificate_fields() -> None:
    facts, _ = leaf("api.example")
    for code, problem in [
        (18, Problem.SELF_SIGNED),
        (20, Problem.UNKNOWN_ISSUER),
        (10, Problem.EXPIRED),
        (62, Problem.NAME_MISMATCH),
        (26, Problem.OTHER),
    ]:
        assert problem_of(facts, "api.example", verify_error(code, "x"), NOW) is problem
    sentence = untrusted_sentence(
        "api.example", facts, verify_error(26, "unsuitable certificate purpose")
    )
    assert "could not be verified: unsuitable certificate purpose (issued to api.example" in (
        sentence
    )


def test_the_sentence_names_the_certificate_and_how_to_trust_it() -> None:
    facts, _ = leaf("api.example", common_name="Staging API")
    sentence = untrusted_sentence(
        "api.example", facts, verify_error(20, "unable to get local issuer certificate"),
        ca_file="/etc/ssl/team/ca.pem", secrets=PROBE_SECRETS,
    )  # fmt: skip
    assert sentence == (
        "The TLS certificate of api.example could not be verified: its issuer is not in the "
        f"CA file ca.pem (issued to Staging API by {facts.issuer}, valid until "
        f"{facts.not_after:%Y-%m-%d}, SHA-256 {facts.sha256}). Choose the CA file that signed "
        "it in the connection settings (or --ca-file), or turn verification off for this "
        "profile (or --insecure; not recommended: anyone between you and the server could "
        "read the auth payload and headers)."
    )


def test_names_from_the_certificate_cannot_break_the_line() -> None:
    facts, _ = leaf("api.example", common_name="evil\nname\x1b[31m" + "x" * 40)
    assert facts.subject == "evil?name?[31m" + "x" * 40
    ca = trustme.CA(organization_name="O" * 64)
    issued = read_certificate(der_of(ca.issue_cert("api.example").cert_chain_pems[0].bytes()))
    assert len(issued.issuer) == 80 and issued.issuer.endswith("…")


def test_a_certificate_error_without_a_certificate_still_says_how_to_trust_it() -> None:
    settings = ConnectionSettings("https://api.example:8443")
    kind, sentence = describe_connect_error(settings, "SSL: CERTIFICATE_VERIFY_FAILED", None)
    assert kind is FailureKind.UNREACHABLE
    assert sentence.startswith("The TLS certificate of api.example could not be verified. ")
    assert "(or --ca-file)" in sentence and "could read the admin password" in sentence
