"""How participating accounts react to other packages' domain events (insure.events)."""

from __future__ import annotations
