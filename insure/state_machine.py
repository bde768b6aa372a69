"""Lifecycles as data (pure): a status enum, its TRANSITIONS table, and the one refusal of a move it does not list.

Each aggregate's model module declares its ``Lifecycle`` with ``lifecycle(...)``; every one declared is kept in
``LIFECYCLES`` under its aggregate name (the name of its table), so the graph checks in the test suite see them
all. Saving a move (the guarded UPDATE and the event row) is ``insure.state.transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from insure.errors import N_, Conflict

S = TypeVar("S", bound=StrEnum)

DEFAULT_REFUSAL = N_("This is not possible while the record is %(status)s.")


class IllegalTransition(Conflict):
    """A move the aggregate's lifecycle does not allow; reported to the user (409), never a server error.

    ``message`` (the lifecycle's ``refusal``) names the current status as ``%(status)s``; the web layer shows it
    by its label from the lifecycle's ``labels`` group (``insure.labels``), or as stored when it has none."""

    code = "illegal_transition"

    def __init__(
        self,
        aggregate: str,
        current: str,
        target: str,
        message: str = DEFAULT_REFUSAL,
        labels: str | None = None,
    ) -> None:
        self.aggregate = aggregate
        self.current = current
        self.target = target
        self.labels = labels
        super().__init__(message, status=str(current))
        # for logs and tracebacks: the move itself, whatever the user-facing wording
        self.args = (f"a {aggregate} cannot move from {current} to {target}",)


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """The allowed moves of one kind of record: ``transitions[s]`` is the set of statuses that may follow ``s``."""

    aggregate: str
    states: type[S]
    transitions: Mapping[S, frozenset[S]]
    initial: frozenset[S]
    refusal: str = DEFAULT_REFUSAL  # msgid with %(status)s, shown when a move is refused
    labels: str | None = "status"  # the insure.labels group naming the statuses (None: shown as stored)

    def allows(self, current: str, target: str) -> bool:
        return self.states(target) in self.transitions[self.states(current)]

    def check(self, current: str, target: str) -> None:
        """Raise IllegalTransition unless ``target`` may follow ``current``."""
        if not self.allows(current, target):
            raise IllegalTransition(self.aggregate, current, target, self.refusal, self.labels)

    @property
    def terminal(self) -> frozenset[S]:
        return frozenset(s for s, nxt in self.transitions.items() if not nxt)

    def reachable(self, starts: Iterable[S] | None = None) -> set[S]:
        """The statuses reachable from ``starts`` (the starting ones by default), ``starts`` included."""
        seen: set[S] = set(self.initial if starts is None else starts)
        todo: list[S] = list(seen)
        while todo:
            for nxt in self.transitions[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def problems(self) -> list[str]:
        """What is wrong with the table as a graph (empty when sound): every state listed and only those, every
        state reachable from a starting one, no move to itself, a final state, and no trap (every state can
        still reach a final one)."""
        out: list[str] = []
        listed = set(self.transitions)
        for missing in set(self.states) - listed:
            out.append(f"{self.aggregate}: {missing} has no row in TRANSITIONS")
        for state, nxt in self.transitions.items():
            for unknown in ({state} | set(nxt)) - set(self.states):
                out.append(f"{self.aggregate}: {unknown!r} is not a {self.states.__name__}")
            if state in nxt:
                out.append(f"{self.aggregate}: {state} moves to itself")
        if not self.initial:
            out.append(f"{self.aggregate}: no starting state")
        if out:
            return out
        for unreachable in set(self.states) - self.reachable():
            out.append(f"{self.aggregate}: {unreachable} cannot be reached from {sorted(self.initial)}")
        if not self.terminal:
            out.append(f"{self.aggregate}: no final state")
        for state in self.states:
            if not self.reachable({state}) & self.terminal:
                out.append(f"{self.aggregate}: {state} can never come to an end")
        return out


LIFECYCLES: dict[str, Lifecycle] = {}  # aggregate name -> its lifecycle, as declared by the model modules


def lifecycle(
    aggregate: str,
    states: type[S],
    transitions: Mapping[S, Iterable[S]],
    initial: Iterable[S],
    *,
    refusal: str = DEFAULT_REFUSAL,
    labels: str | None = "status",
) -> Lifecycle[S]:
    """Declare (and register) the lifecycle of ``aggregate``; its name is the name of the aggregate's table."""
    machine = Lifecycle(
        aggregate,
        states,
        {s: frozenset(n) for s, n in transitions.items()},
        frozenset(initial),
        refusal,
        labels,
    )
    LIFECYCLES[aggregate] = machine
    return machine
