"""Decrypted contact details leave the hub only encrypted, to a server whose certificate and
name were checked, and only for the one mailbox a group gave. Real aiosmtpd servers on
loopback addresses, with a CA and certificates made here by the openssl command."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from hub_helpers import free_port

from sync.hub import mail

SECRET = "anna.de.vries@voorbeeld.nl"  # the visitor's detail in the body


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _new_key_and_csr(folder: Path, name: str) -> None:
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
             cwd=folder)  # fmt: skip


def _signed(folder: Path, name: str, san: str) -> None:
    """A server certificate for ``san``, signed by the test CA."""
    _new_key_and_csr(folder, name)
    (folder / f"{name}.ext").write_text(
        f"subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
             "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder)  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    """ca.pem (the municipality's own CA); trusted.pem for 127.0.0.1 signed by it;
    elsewhere.pem signed by it for another name; selfsigned.pem for 127.0.0.1, by nobody."""
    folder = tmp_path_factory.mktemp("certs")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Gemeente CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    _signed(folder, "trusted", "IP:127.0.0.1")
    _signed(folder, "elsewhere", "DNS:smtp.elders.example")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "selfsigned.key", "-out", "selfsigned.pem", "-days", "2",
             "-subj", "/CN=selfsigned", "-addext", "subjectAltName=IP:127.0.0.1",
             cwd=folder)  # fmt: skip
    return folder


def _server_context(certs: Path, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs / f"{name}.pem", certs / f"{name}.key")
    return context


@pytest.fixture
def smtp_server():
    """Start a real SMTP server on 127.0.0.1: smtp_server(mode, context) -> its controller,
    whose ``received`` lists what was delivered."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    controllers = []

    def start(mode: str = "none", context: ssl.SSLContext | None = None):
        received = []

        class Keep(Message):
            def handle_message(self, message):
                received.append(message)

        options = {
            "starttls": {"tls_context": context, "require_starttls": True},
            "implicit": {"ssl_context": context},
            "none": {},
        }[mode]
        controller = Controller(Keep(), hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controller.received = received
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def _settings(port: int, tls: str, ca_file: Path | None = None, host="127.0.0.1"):
    return mail.MailSettings(host=host, port=port, sender="receptie@lindewaard.example",
                             tls=tls, ca_file=str(ca_file or ""))  # fmt: skip


def _message(settings: mail.MailSettings, to: str = "groep@voorbeeld.nl"):
    return mail.contact_message(settings, to, "Moestuin De Linde", "email", SECRET, "1 juni")


def _bodies(server) -> list[str]:
    return [m.get_payload() for m in server.received]


def test_starttls_with_the_municipalitys_ca_delivers(certs, smtp_server):
    server = smtp_server("starttls", _server_context(certs, "trusted"))
    settings = _settings(server.port, "starttls", certs / "ca.pem")
    mail.send(settings, _message(settings))
    assert len(server.received) == 1
    assert SECRET in _bodies(server)[0]


@pytest.mark.parametrize("cert, ca_file", [
    ("selfsigned", "ca.pem"),   # signed by nobody the hub trusts
    ("trusted", None),          # the municipality's CA, but nobody told the hub about it
    ("elsewhere", "ca.pem"),    # a trusted certificate for another server's name
])  # fmt: skip
def test_starttls_to_a_server_whose_certificate_does_not_check_out_sends_nothing(
    certs, smtp_server, cert, ca_file
):
    server = smtp_server("starttls", _server_context(certs, cert))
    settings = _settings(server.port, "starttls", certs / ca_file if ca_file else None)
    with pytest.raises(mail.MailError, match="certificate is not trusted.*ONTMOET_SMTP_CA_FILE"):
        mail.send(settings, _message(settings))
    assert server.received == []


def test_implicit_tls_delivers(certs, smtp_server):
    server = smtp_server("implicit", _server_context(certs, "trusted"))
    settings = _settings(server.port, "implicit", certs / "ca.pem")
    mail.send(settings, _message(settings))
    assert SECRET in _bodies(server)[0]


def test_implicit_tls_to_a_self_signed_server_sends_nothing(certs, smtp_server):
    server = smtp_server("implicit", _server_context(certs, "selfsigned"))
    settings = _settings(server.port, "implicit", certs / "ca.pem")
    with pytest.raises(mail.MailError, match="certificate is not trusted"):
        mail.send(settings, _message(settings))
    assert server.received == []


def test_a_ca_file_that_cannot_be_read_sends_nothing_and_says_so(tmp_path):
    settings = _settings(free_port(), "starttls", tmp_path / "missing.pem")
    with pytest.raises(mail.MailError, match="ONTMOET_SMTP_CA_FILE .*missing.pem"):
        mail.send(settings, _message(settings))


def test_starttls_to_a_server_without_it_sends_nothing(smtp_server):
    server = smtp_server("none")
    settings = _settings(server.port, "starttls")
    with pytest.raises(mail.MailError, match="STARTTLS"):
        mail.send(settings, _message(settings))
    assert server.received == []


def test_plain_smtp_to_localhost_still_delivers(smtp_server):
    """A relay on the hub's own machine (as in the demo and the desk's tests)."""
    server = smtp_server("none")
    settings = mail.MailSettings.from_environment({
        "ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(server.port),
        "ONTMOET_MAIL_FROM": "receptie@lindewaard.example",
    })  # fmt: skip
    mail.send(settings, _message(settings))
    assert SECRET in _bodies(server)[0]


def test_plain_smtp_to_another_host_is_refused_before_connecting():
    """127.0.0.2 is this machine too, but not by a name the hub counts as local: it stands
    for the municipality's server. A bare socket listens there and must see no connection."""
    listener = socket.create_server(("127.0.0.2", 0))
    listener.setblocking(False)
    try:
        settings = _settings(listener.getsockname()[1], "none", host="127.0.0.2")
        with pytest.raises(mail.MailError, match="never sent unencrypted.*ONTMOET_SMTP_TLS"):
            mail.send(settings, _message(settings))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked
    finally:
        listener.close()


@pytest.mark.parametrize("mailbox", [
    "groep@voorbeeld.nl\r\nBcc: ander@elders.example",
    "groep@voorbeeld.nl, ander@elders.example",
    "Moestuin <groep@voorbeeld.nl>, ander@elders.example",
])  # fmt: skip
def test_a_mailbox_that_smuggles_in_a_recipient_sends_nothing(smtp_server, mailbox):
    """A group's mailbox, stored before the desk checked it, is checked again when used: by
    contact_message (which the desk calls) and by send() (for any other message)."""
    server = smtp_server("none")
    settings = _settings(server.port, "none")
    with pytest.raises(mail.MailError, match="e-mail address cannot be used"):
        mail.send(settings, _message(settings, to=mailbox))
    if "\n" not in mailbox:  # the email package itself refuses a line break in a header
        message = mail.EmailMessage()
        message["From"], message["To"] = settings.sender, mailbox
        message.set_content(SECRET)
        with pytest.raises(mail.MailError, match="e-mail address cannot be used"):
            mail.send(settings, message)
    assert server.received == []


@pytest.mark.parametrize("environ, tls, port", [
    ({"ONTMOET_SMTP_HOST": "smtp.lindewaard.nl"}, "starttls", 25),
    ({"ONTMOET_SMTP_HOST": "localhost"}, "none", 25),
    ({"ONTMOET_SMTP_HOST": "::1"}, "none", 25),
    ({"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_STARTTLS": "1"}, "starttls", 25),
    ({"ONTMOET_SMTP_HOST": "smtp.lindewaard.nl", "ONTMOET_SMTP_STARTTLS": "0"}, "starttls", 25),
    ({"ONTMOET_SMTP_HOST": "smtp.lindewaard.nl", "ONTMOET_SMTP_TLS": "implicit"}, "implicit", 465),
    ({"ONTMOET_SMTP_HOST": "smtp.lindewaard.nl", "ONTMOET_SMTP_TLS": "implicit",
      "ONTMOET_SMTP_PORT": "2465"}, "implicit", 2465),
    ({"ONTMOET_SMTP_HOST": "localhost", "ONTMOET_SMTP_TLS": "starttls"}, "starttls", 25),
])  # fmt: skip
def test_tls_settings_from_the_environment(environ, tls, port):
    settings = mail.MailSettings.from_environment(environ)
    assert (settings.tls, settings.port) == (tls, port)


def test_a_mistyped_tls_mode_sends_nothing_and_says_what_to_set():
    settings = mail.MailSettings.from_environment({
        "ONTMOET_SMTP_HOST": "smtp.lindewaard.nl", "ONTMOET_MAIL_FROM": "receptie@x.nl",
        "ONTMOET_SMTP_TLS": "startls",
    })  # fmt: skip
    with pytest.raises(mail.MailError, match="ONTMOET_SMTP_TLS is 'startls'.*starttls"):
        mail.send(settings, _message(settings))


@pytest.mark.parametrize("text, normalised", [
    ("groep@voorbeeld.nl", "groep@voorbeeld.nl"),
    ("  Groep@Voorbeeld.NL ", "Groep@voorbeeld.nl"),
    ("moestuin.de-linde@lindewaard.example", "moestuin.de-linde@lindewaard.example"),
])  # fmt: skip
def test_valid_mailbox_accepts_one_address(text, normalised):
    assert mail.valid_mailbox(text) == normalised


@pytest.mark.parametrize("text, problem", [
    ("groep@voorbeeld.nl\r\nBcc: ander@elders.example", "line break"),
    ("groep@voorbeeld.nl\nBcc: ander@elders.example", "line break"),
    ("groep@voorbeeld.nl\r", "line break"),
    ("groep@voor\x00beeld.nl", "control character"),
    ("groep@voorbeeld.nl, ander@elders.example", "not a list"),
    ("groep@voorbeeld.nl; ander@elders.example", "not a list"),
    ("groep@voorbeeld.nl ander@elders.example", "not a list"),
    ("Moestuin <groep@voorbeeld.nl>", "without a name"),
    ('"Moestuin" groep@voorbeeld.nl', "without a name"),
    ("<groep@voorbeeld.nl>", "without a name"),
    ("a" * 250 + "@voorbeeld.nl", "at most 254"),
    ("groep@", "not a valid"),
    ("groep", "not a valid"),
    ("", "empty"),
])  # fmt: skip
def test_valid_mailbox_refuses_everything_but_one_address(text, problem):
    with pytest.raises(ValueError, match=problem):
        mail.valid_mailbox(text)
