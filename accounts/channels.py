"""Delivery channels of parents' notifications: a registry of name → channel.

A channel knows a person's address on it and sends one `OutboxMessage`, raising on failure
(the outbox then backs off and tries again). Only e-mail exists today. SMS or push is one
class with `address_of` and `send` plus `register("sms", SmsChannel())`; the outbox rows
name their channel, so nothing else changes.
"""

from __future__ import annotations

from typing import Protocol

from django.core.mail import EmailMultiAlternatives


class Channel(Protocol):
    def address_of(self, person) -> str:
        """Where this person is reached on the channel; "" when they cannot be (nothing is queued)."""

    def send(self, message) -> None:
        """Send one OutboxMessage; raise on failure."""


_registry: dict[str, Channel] = {}


def register(name: str, channel: Channel) -> None:
    _registry[name] = channel


def get(name: str) -> Channel:
    """The channel registered under `name` (KeyError for an unknown one)."""
    return _registry[name]


def names() -> list[str]:
    return sorted(_registry)


class EmailChannel:
    """Django's e-mail framework: a plain-text body with an HTML alternative, via the default mailer."""

    def address_of(self, person) -> str:
        return (person.email or "").strip()

    def send(self, message) -> None:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            to=[message.address],
            headers={"Auto-Submitted": "auto-generated"},
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        mail.send()


EMAIL = "email"
register(EMAIL, EmailChannel())
