"""A real SMTP server (aiosmtpd) for the whole test session: the application sends to it, tests
read what it received."""

import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import cache

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+/password/choose/[\w.-]+")


class Mailbox:
    """Every message the server accepted, parsed; ``for_(address)`` and ``link(address)``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def for_(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]

    @staticmethod
    def subject(message: EmailMessage) -> str:
        # Flask-Mailman folds an encoded subject onto its second line: one leading space.
        return str(message["Subject"]).strip()

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("html",)).get_content()

    def link(self, address: str) -> str:
        """The password link of the last message to ``address``."""
        messages = self.for_(address)
        assert messages, f"no mail to {address}"
        match = LINK.search(self.text(messages[-1]))
        assert match, f"no password link in {self.text(messages[-1])}"
        return match.group(0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@cache
def smtp_server() -> tuple[Controller, Mailbox]:
    """Started on first use (by ``build_app``), stopped at the end of the session."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller, mailbox


def mail_settings() -> dict:
    """The application's configuration for sending to the test server (plain SMTP)."""
    controller, _mailbox = smtp_server()
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": controller.hostname,
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_REPLY_TO": "training@example.org",
    }
