"""One state-machine mechanism for every aggregate with a lifecycle.

A ``Lifecycle`` is a status enum plus its TRANSITIONS table (pure, in ``insure.state_machine``: no framework, unit
tested as a graph); each aggregate's model module declares one. ``transition`` saves a move: it checks the table
(an illegal move raises ``IllegalTransition``, a 409 with the stable code ``illegal_transition``), then runs
``UPDATE … SET status = <to> WHERE id = … AND status = <from>`` and writes the event row. Two workers (or two
clicks) racing for the same move cannot both win: the loser's UPDATE matches no row and gets ``StatusChanged``
(a ``Conflict``, code ``status_changed``). ``transition_many`` is the same for a set of rows moving together
(every due instalment of a policy voided when it ends).

Without an explicit ``machine``, the lifecycle registered under the table's name is checked (when one is).
"""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from insure import clock
from insure.errors import Conflict
from insure.state_machine import LIFECYCLES, IllegalTransition, Lifecycle, lifecycle
from insure.state_tables import StateEvent

__all__ = [
    "LIFECYCLES",
    "IllegalTransition",
    "Lifecycle",
    "StatusChanged",
    "lifecycle",
    "machine_for",
    "transition",
    "transition_many",
]

CHUNK = 200  # rows per INSERT of event rows (bind-parameter limits)


class StatusChanged(Conflict):
    """The row left ``from_status`` meanwhile (another worker or click won the race): nothing was changed."""

    code = "status_changed"

    def __init__(self, status: str) -> None:
        super().__init__("This record changed meanwhile; it is no longer %(status)s.", status=str(status))


def machine_for(table: type[Table], machine: Lifecycle[Any] | None = None) -> Lifecycle[Any] | None:
    """The lifecycle a move of ``table``'s rows is checked against: the one given, else the one registered
    under the table's name."""
    return machine if machine is not None else LIFECYCLES.get(table._meta.tablename)


def _event_rows(
    row_ids: list[int],
    from_status: str,
    to_status: str,
    *,
    event_table: type[Table] | None,
    event_owner: str,
    machine: Lifecycle[Any] | None,
    actor: str,
    reason: str,
) -> list[Table]:
    if event_table is None:
        if machine is None:
            raise TypeError("transition() needs an event_table or a machine")
        table, owner = StateEvent, lambda row_id: {"aggregate": machine.aggregate, "record_id": row_id}
    else:
        table, owner = event_table, lambda row_id: {event_owner: row_id}
    at = clock.now()
    common = {
        "from_status": str(from_status),
        "to_status": str(to_status),
        "actor": actor,
        "reason": reason[:255],
        "at": at,
    }
    return [table(**owner(row_id), **common) for row_id in row_ids]


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
    """Move one row from ``from_status`` to ``to_status`` (checked against ``machine``, or the lifecycle registered
    for the table) and record it in ``event_table`` (its ``event_owner`` column naming the row) or, without one, in
    the shared ``StateEvent`` history under the machine's aggregate name."""
    checked = machine_for(table, machine)
    if event_table is None and checked is None:
        raise TypeError("transition() needs an event_table or a machine")
    if checked is not None:
        checked.check(from_status, to_status)
    status_col = table._meta.get_column_by_name("status")
    changes: dict[Any, Any] = {status_col: to_status, **(values or {})}
    updated = (
        await table.update(changes)
        .where((table._meta.primary_key == row_id) & (status_col == from_status))
        .returning(table._meta.primary_key)
    )
    if not updated:
        raise StatusChanged(from_status)
    rows = _event_rows(
        [row_id],
        from_status,
        to_status,
        event_table=event_table,
        event_owner=event_owner,
        machine=checked,
        actor=actor,
        reason=reason,
    )
    await rows[0].__class__.insert(*rows)


async def transition_many(
    table: type[Table],
    where: Any,
    from_status: str,
    to_status: str,
    *,
    machine: Lifecycle[Any],
    actor: str,
    reason: str = "",
    values: dict[Any, Any] | None = None,
) -> list[int]:
    """Move every row matching ``where`` that is still ``from_status`` (one guarded, set-based UPDATE), writing an
    event row for each one moved; the ids moved are returned (rows no longer ``from_status`` are left alone,
    so running it again changes nothing)."""
    machine.check(from_status, to_status)
    status_col = table._meta.get_column_by_name("status")
    changes: dict[Any, Any] = {status_col: to_status, **(values or {})}
    moved = await table.update(changes).where(where & (status_col == from_status)).returning(table._meta.primary_key)
    pk = table._meta.primary_key._meta.name
    ids = [row[pk] for row in moved]
    rows = _event_rows(
        ids,
        from_status,
        to_status,
        event_table=None,
        event_owner="",
        machine=machine,
        actor=actor,
        reason=reason,
    )
    for start in range(0, len(rows), CHUNK):
        await StateEvent.insert(*rows[start : start + CHUNK])
    return ids
