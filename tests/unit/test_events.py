"""The domain-event mechanism: handlers registered by the reacting package run in order, in the caller's flow,
and a handler's refusal reaches the raiser."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from insure import events
from insure.errors import Conflict


@dataclass(frozen=True)
class Pinged(events.Event):
    n: int


@dataclass(frozen=True)
class Unheard(events.Event):
    n: int


def test_handlers_run_in_registration_order_with_the_event() -> None:
    seen: list[tuple[str, int]] = []

    @events.handles(Pinged)
    async def first(event: Pinged) -> None:
        seen.append(("first", event.n))

    @events.handles(Pinged)
    async def second(event: Pinged) -> None:
        seen.append(("second", event.n))

    events.handles(Pinged)(first)  # registering twice does not run it twice
    asyncio.run(events.publish(Pinged(7)))
    assert seen == [("first", 7), ("second", 7)]


def test_an_event_nobody_handles_is_fine() -> None:
    asyncio.run(events.publish(Unheard(1)))
    assert events.handlers_for(Unheard) == []


def test_a_handler_can_refuse_and_the_raiser_sees_it() -> None:
    @dataclass(frozen=True)
    class Vetoed(events.Event):
        n: int

    after: list[int] = []

    @events.handles(Vetoed)
    async def refuse(event: Vetoed) -> None:
        raise Conflict("no", code="refused")

    @events.handles(Vetoed)
    async def never(event: Vetoed) -> None:
        after.append(event.n)

    with pytest.raises(Conflict):
        asyncio.run(events.publish(Vetoed(1)))
    assert after == []  # the handlers after a refusal do not run


def test_every_listed_handler_module_imports() -> None:
    events.load_handlers()
    for event_type in (events.PaymentSettled, events.PolicyCancelling):
        assert isinstance(events.handlers_for(event_type), list)
