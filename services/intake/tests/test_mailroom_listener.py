"""The listener's protocol settings: STARTTLS with the configured certificate, required when the
setting says so, and LMTP's one reply per recipient. The mail handling itself is a stand-in here
(tests/test_email_in.py sends real mail through the real one)."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from casework_intake.mailroom import listener
from casework_intake.mailroom.intake import Outcome
from casework_intake.settings import IntakeSettings


class StandIn:
    """Takes every message to ok@ and ok2@, refuses others at RCPT."""

    def __init__(self) -> None:
        self.taken: list[tuple[bytes, str]] = []

    def check_recipient(self, recipient: str) -> str | None:
        return None if recipient.split("@")[0] in ("ok", "ok2") else "550 5.1.1 This intake address is not in use."

    def take(self, raw: bytes, envelope_from: str | None, recipient: str) -> Outcome:
        self.taken.append((raw, recipient))
        if recipient.startswith("ok2"):
            return Outcome("held", "250 2.0.0 Received; held.")
        return Outcome("filed", "250 2.0.0 Filed to case CW-2026-000001.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intake.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def settings(**values: object) -> IntakeSettings:
    return IntakeSettings(
        oidc_client_secret="x",
        database_url="postgresql+psycopg://unused@127.0.0.1/unused",
        oidc_issuer="http://127.0.0.1/realms/unused",
        mailroom_host="127.0.0.1",
        mailroom_port=free_port(),
        mail_domain="intake.test",
        **values,
    )


@pytest.fixture
def running(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Start a listener with the given settings and the stand-in; stop it after the test."""
    started = []

    def start(config: IntakeSettings, stand_in: StandIn) -> None:
        handler = listener.Handler(stand_in, lmtp=config.mailroom_protocol == "lmtp")  # type: ignore[arg-type]
        controller = listener._Controller(handler, config, listener.tls_context(config))
        controller.start()
        started.append(controller)

    yield start
    for controller in started:
        controller.stop()


def test_require_tls_refuses_mail_before_starttls(tmp_path: Path, running) -> None:  # type: ignore[no-untyped-def]
    cert, key = certificate(tmp_path)
    config = settings(mailroom_tls_cert_file=cert, mailroom_tls_key_file=key, mailroom_require_tls=True)
    stand_in = StandIn()
    running(config, stand_in)
    with smtplib.SMTP("127.0.0.1", config.mailroom_port, timeout=10) as client:
        client.ehlo("sender.test")
        assert client.has_extn("starttls")
        code, _ = client.mail("a@sender.test")
        assert code == 530
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        client.starttls(context=context)
        client.ehlo("sender.test")
        assert client.mail("a@sender.test")[0] == 250
        assert client.rcpt("nobody@intake.test")[0] == 550
        assert client.rcpt("ok@intake.test")[0] == 250
        code, text = client.data(b"From: a@sender.test\r\nSubject: hi\r\n\r\nhello\r\n")
    assert (code, text) == (250, b"2.0.0 Filed to case CW-2026-000001.")
    assert [recipient for _raw, recipient in stand_in.taken] == ["ok@intake.test"]


def test_without_a_certificate_there_is_no_starttls(running) -> None:  # type: ignore[no-untyped-def]
    config = settings()
    running(config, StandIn())
    with smtplib.SMTP("127.0.0.1", config.mailroom_port, timeout=10) as client:
        client.ehlo("sender.test")
        assert not client.has_extn("starttls")
        assert client.mail("a@sender.test")[0] == 250


def test_lmtp_answers_each_recipient(running) -> None:  # type: ignore[no-untyped-def]
    config = settings(mailroom_protocol="lmtp")
    running(config, StandIn())
    with socket.create_connection(("127.0.0.1", config.mailroom_port), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()  # greeting
        sock.sendall(b"LHLO sender.test\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        for command in (b"MAIL FROM:<a@sender.test>", b"RCPT TO:<ok@intake.test>", b"RCPT TO:<ok2@intake.test>"):
            sock.sendall(command + b"\r\n")
            assert reader.readline().startswith(b"250")
        sock.sendall(b"DATA\r\n")
        assert reader.readline().startswith(b"354")
        sock.sendall(b"From: a@sender.test\r\n\r\nhello\r\n.\r\n")
        assert reader.readline() == b"250 2.0.0 Filed to case CW-2026-000001.\r\n"
        assert reader.readline() == b"250 2.0.0 Received; held.\r\n"


def test_requiring_tls_without_a_certificate_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="REQUIRE_TLS"):
        listener.tls_context(settings(mailroom_require_tls=True))
    cert, _key = certificate(tmp_path)
    with pytest.raises(ValueError, match="both"):
        listener.tls_context(settings(mailroom_tls_cert_file=cert))
