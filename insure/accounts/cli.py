"""`insure dividends …`: the annual declaration from the command line."""

from __future__ import annotations

import click


@click.group()
def dividends() -> None:
    """Participating business: the annual dividend declaration."""
