"""Celery tasks of participating accounts (thin: each runs a service coroutine on the worker's loop)."""

from __future__ import annotations
