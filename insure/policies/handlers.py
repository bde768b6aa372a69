"""How the policies package reacts to domain events raised elsewhere (see ``insure.events``)."""

from __future__ import annotations
