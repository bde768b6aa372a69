"""Domain events: the moments other packages react to, raised and handled in-process, synchronously, inside
the business transaction that caused them.

A package that *raises* an event imports only this module and the event's dataclass; the package that
*reacts* registers a handler with ``@handles(EventType)`` in its ``handlers`` module, listed in
``HANDLER_MODULES``. So "a payment settled" lives in ``insure.payments`` and "issue the policy" in
``insure.policies`` without either importing the other in a circle.

Handlers run in the raiser's transaction, in registration order: if one fails, the whole business change
rolls back, exactly as when the call was written inline. A handler may also refuse a request (raise a domain
error such as ``Conflict``) — that is how a package vetoes a change it has a stake in (``PolicyCancelling``).
Work that must leave the process (e-mail, PDFs, gateway calls) is still written to the outbox by the handler,
never done here.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

# The packages that react to events. Imported (once) before the first event is published, as Django imports
# its installed apps: a raiser never needs to know who listens.
HANDLER_MODULES: tuple[str, ...] = (
    "insure.policies.handlers",
    "insure.accounts.handlers",
    "insure.accounts.exit_handlers",  # the account at a lapse and a paid death claim (issue 11, H4)
    "claims.handlers",
)


class Event:
    """Base of every domain event (a frozen dataclass naming what happened, with the ids of what it concerns)."""


@dataclass(frozen=True)
class PaymentSettled(Event):
    """The gateway confirmed a charge and it is booked: what it paid for happens next (issue, instalment,
    reinstatement)."""

    payment_id: int
    policy_id: int
    purpose: str
    instalment_id: int | None
    amount_fen: int


@dataclass(frozen=True)
class PolicyIssued(Event):
    policy_id: int


@dataclass(frozen=True)
class PolicyCancelling(Event):
    """A policy is about to be cancelled in its free-look period; a handler may refuse (e.g. a claim exists)."""

    policy_id: int


@dataclass(frozen=True)
class PolicyCancelled(Event):
    policy_id: int
    reason: str


@dataclass(frozen=True)
class PolicyLapsed(Event):
    policy_id: int


@dataclass(frozen=True)
class PolicyReinstated(Event):
    policy_id: int


@dataclass(frozen=True)
class AnniversaryReached(Event):
    """A policy in force completed another policy year (dividends and cash values hook in here)."""

    policy_id: int
    policy_year: int


@dataclass(frozen=True)
class ClaimApproved(Event):
    claim_id: int
    policy_id: int
    amount_fen: int


@dataclass(frozen=True)
class PayoutConfirmed(Event):
    """The gateway confirmed a transfer and it is booked; ``payout_key`` names what it paid
    (``claim:<id>``, ``surrender:<policy id>`` …)."""

    payout_id: int
    payout_key: str
    purpose: str
    policy_id: int
    amount_fen: int


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]

_handlers: dict[type[Event], list[Handler]] = {}
_loaded = False


def handles(event_type: type[E]) -> Callable[[Callable[[E], Awaitable[None]]], Callable[[E], Awaitable[None]]]:
    """Register the decorated coroutine to run whenever ``event_type`` is published."""

    def register(fn: Callable[[E], Awaitable[None]]) -> Callable[[E], Awaitable[None]]:
        bucket = _handlers.setdefault(event_type, [])
        if fn not in bucket:
            bucket.append(fn)
        return fn

    return register


def load_handlers() -> None:
    """Import every reacting package's handlers (idempotent)."""
    global _loaded
    if not _loaded:
        for name in HANDLER_MODULES:
            importlib.import_module(name)
        _loaded = True


def handlers_for(event_type: type[Event]) -> list[Handler]:
    load_handlers()
    return list(_handlers.get(event_type, ()))


async def publish(event: Event) -> None:
    """Run every handler of the event, in order, in the caller's transaction; an exception propagates."""
    for handler in handlers_for(type(event)):
        await handler(event)
