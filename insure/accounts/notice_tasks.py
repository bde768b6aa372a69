"""Celery tasks of the annual dividend notice (红利通知书): its e-mail and its PDF (on the documents queue)."""

from __future__ import annotations
