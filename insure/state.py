"""Saving a state-machine transition: ``UPDATE … WHERE status = <from>`` plus an event row.

Two workers (or two clicks) racing for the same transition cannot both win: the loser's UPDATE matches no
row and gets ``Conflict``. Callers check legality against their model's TRANSITIONS first.
"""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from insure import clock
from insure.errors import Conflict


async def transition(
    table: type[Table],
    row_id: int,
    from_status: str,
    to_status: str,
    *,
    event_table: type[Table],
    event_owner: str,
    actor: str,
    reason: str = "",
    values: dict[Any, Any] | None = None,
) -> None:
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
    await event_table.insert(
        event_table(
            **{
                event_owner: row_id,
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "reason": reason[:255],
                "at": clock.now(),
            }
        )
    )
