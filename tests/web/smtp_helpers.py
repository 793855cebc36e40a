"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives and can be made to fail."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Collector:
    """The aiosmtpd handler: keeps each message; answers ``fail_with`` instead while it is set."""

    received: list[Received] = field(default_factory=list)
    fail_with: str | None = None
    # Accept this many more messages, then start failing with ``fail_with``.
    accept_before_failing: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.accept_before_failing is not None:
                if self.accept_before_failing <= 0:
                    return self.fail_with or "451 4.3.0 Try again later"
                self.accept_before_failing -= 1
            elif self.fail_with:
                return self.fail_with
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 2.0.0 OK"


class SMTPServer:
    """Start, stop and restart on the same port, as an outage would."""

    def __init__(self) -> None:
        self.handler = Collector()
        self.port = free_port()
        self.host = "127.0.0.1"
        self.controller: Controller | None = None

    def start(self) -> None:
        # Big enough for any invitation; decode_data=False keeps the bytes exactly as sent.
        self.controller = Controller(
            self.handler, hostname=self.host, port=self.port, data_size_limit=10_000_000
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]
