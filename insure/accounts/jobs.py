"""Batch jobs of participating accounts (insure.batch): crediting declared dividends on policy anniversaries."""

from __future__ import annotations
