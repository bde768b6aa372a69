"""One state-machine mechanism for every aggregate with a lifecycle.

A ``Lifecycle`` is a status enum plus its TRANSITIONS table (pure: no framework, unit tested as a graph).
``transition`` saves a move: it checks the table (an illegal move raises ``IllegalTransition``, a 409 with the
stable code ``illegal_transition``), then runs ``UPDATE … SET status = <to> WHERE id = … AND status = <from>``
and writes the event row. Two workers (or two clicks) racing for the same move cannot both win: the loser's
UPDATE matches no row and gets ``Conflict`` (``status_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from piccolo.table import Table

from insure import clock
from insure.errors import N_, Conflict
from insure.state_tables import StateEvent

S = TypeVar("S", bound=StrEnum)


class IllegalTransition(Conflict):
    """A move the aggregate's lifecycle does not allow; reported to the user (409), never a server error."""

    code = "illegal_transition"

    def __init__(self, aggregate: str, current: str, target: str) -> None:
        self.aggregate = aggregate
        self.current = current
        self.target = target
        super().__init__(
            N_("This %(aggregate)s cannot move from %(current)s to %(target)s."),
            aggregate=aggregate,
            current=str(current),
            target=str(target),
        )


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """The allowed moves of one kind of record: ``transitions[s]`` is the set of statuses that may follow ``s``."""

    aggregate: str
    states: type[S]
    transitions: Mapping[S, frozenset[S]]
    initial: frozenset[S]

    def allows(self, current: str, target: str) -> bool:
        return self.states(target) in self.transitions[self.states(current)]

    def check(self, current: str, target: str) -> None:
        """Raise IllegalTransition unless ``target`` may follow ``current``."""
        if not self.allows(current, target):
            raise IllegalTransition(self.aggregate, current, target)

    @property
    def terminal(self) -> frozenset[S]:
        return frozenset(s for s, nxt in self.transitions.items() if not nxt)

    def reachable(self) -> set[S]:
        seen: set[S] = set(self.initial)
        todo: list[S] = list(self.initial)
        while todo:
            for nxt in self.transitions[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def problems(self) -> list[str]:
        """What is wrong with the table as a graph (empty when sound): every state listed, every state reachable
        from a starting one, no move to itself, and at least one final state reachable."""
        out: list[str] = []
        listed = set(self.transitions)
        for missing in set(self.states) - listed:
            out.append(f"{self.aggregate}: {missing} has no row in TRANSITIONS")
        for state, nxt in self.transitions.items():
            if state in nxt:
                out.append(f"{self.aggregate}: {state} moves to itself")
        for unreachable in set(self.states) - self.reachable():
            out.append(f"{self.aggregate}: {unreachable} cannot be reached from {sorted(self.initial)}")
        if not self.terminal:
            out.append(f"{self.aggregate}: no final state")
        return out


def lifecycle(
    aggregate: str, states: type[S], transitions: Mapping[S, Iterable[S]], initial: Iterable[S]
) -> Lifecycle[S]:
    return Lifecycle(aggregate, states, {s: frozenset(n) for s, n in transitions.items()}, frozenset(initial))


async def transition(
    table: type[Table],
    row_id: int,
    from_status: str,
    to_status: str,
    *,
    event_table: type[Table] | None = None,
    event_owner: str = "",
    actor: str,
    reason: str = "",
    values: dict[Any, Any] | None = None,
    machine: Lifecycle[Any] | None = None,
) -> None:
    """Move one row from ``from_status`` to ``to_status`` (checked against ``machine`` when given) and record it
    in ``event_table`` (its ``event_owner`` column naming the row) or, without one, in the shared ``StateEvent``
    history under the machine's aggregate name."""
    if event_table is None and machine is None:
        raise TypeError("transition() needs an event_table or a machine")
    if machine is not None:
        machine.check(from_status, to_status)
    status_col = table._meta.get_column_by_name("status")
    changes: dict[Any, Any] = {status_col: to_status, **(values or {})}
    updated = (
        await table.update(changes)
        .where((table._meta.primary_key == row_id) & (status_col == from_status))
        .returning(table._meta.primary_key)
    )
    if not updated:
        raise Conflict(
            "This record changed meanwhile; it is no longer %(status)s.",
            code="status_changed",
            status=from_status,
        )
    if event_table is None:
        assert machine is not None
        event_table, owner = StateEvent, {"aggregate": machine.aggregate, "record_id": row_id}
    else:
        owner = {event_owner: row_id}
    await event_table.insert(
        event_table(
            **{
                **owner,
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "reason": reason[:255],
                "at": clock.now(),
            }
        )
    )
