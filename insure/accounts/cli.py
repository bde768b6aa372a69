"""`insure dividends …`: the annual declaration from the command line.

``declare`` and ``post`` run the chunked work in this process with a progress bar (a worker that picks up the
same run meanwhile finds it held and leaves it); problems print the field (or code) and message and exit 1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import click

from insure.errors import DomainError, ValidationFailed


def _run(coro: Any) -> Any:
    async def wrapped() -> Any:
        from insure import clock_store, db

        await db.start_pool()
        try:
            await clock_store.refresh(force=True)
            return await coro
        finally:
            await db.close_pool()

    try:
        return asyncio.run(wrapped())
    except ValidationFailed as exc:
        for error in exc.errors:
            message = error.message % error.params if error.params else error.message
            click.echo(f"{error.field}: {message} ({error.code})", err=True)
        raise SystemExit(1) from None
    except DomainError as exc:
        click.echo(f"{exc.code}: {exc}", err=True)
        raise SystemExit(1) from None


async def _user(email: str) -> dict:
    from insure.auth.tables import User
    from insure.errors import N_, NotFound

    row = await User.select(User.id, User.email, User.role).where(User.email == email.strip().lower()).first()
    if row is None:
        raise NotFound(N_("No such user."), code="user_not_found")
    return row


class _Bars:
    """One click progress bar per phase of the run, fed with the declaration's row after each chunk."""

    def __init__(self) -> None:
        self.phase = ""
        self.bar: Any = None
        self.shown = 0

    def __call__(self, row: dict) -> None:
        if row["run_phase"] != self.phase:
            self.close()
            self.phase = row["run_phase"]
            if self.phase in {"", "done"}:
                return
            total = row["run_total"] if self.phase in {"contributions", "scaling"} else self.total_hint
            self.bar = click.progressbar(length=max(total, 1), label=self.phase, show_pos=True, show_eta=True)
            self.bar.__enter__()
            self.shown = 0
        if self.bar is not None:
            step = max(0, row["run_done"] - self.shown)
            self.bar.update(step)
            self.shown += step

    total_hint = 1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _preview_text(shown: Any) -> str:
    lines = [
        f"{shown.number}  {shown.insurer_code} {shown.year}  status {shown.status}",
        f"  experience: yield {shown.investment_yield}, mortality ratio {shown.mortality_ratio}, "
        f"expense ratio {shown.expense_ratio}; share {shown.policyholder_share}",
        f"  eligible policies: {shown.eligible}",
        f"  surplus: interest {shown.interest_gain}, mortality {shown.mortality_gain}, expense {shown.expense_gain}"
        f" -> distributable {shown.distributable} CNY",
        f"  entitlement {shown.entitlement}, bonus cost {shown.bonus_cost}, smoothing transfer "
        f"{shown.smoothing_transfer} (reserve {shown.smoothing_before} -> {shown.smoothing_after})",
        f"  cash payout {shown.payout} CNY (contributions before scaling {shown.raw_total})",
    ]
    if shown.problem:
        lines.append(f"  PROBLEM {shown.problem}: {shown.problem_message}")
    for p in shown.by_product:
        lines.append(f"  {p.code:<20} {p.policies:>8} policies  dividends {p.dividend:>14}  bonuses {p.bonus}")
    lines.append("  distribution (CNY): " + ", ".join(f"{label}: {n}" for label, n in shown.bands))
    for title, rows in (("largest", shown.largest), ("smallest", shown.smallest)):
        lines.append(f"  {title}: " + ", ".join(f"{r.policy_number} {r.dividend}" for r in rows))
    return "\n".join(lines)


@click.group()
def dividends() -> None:
    """Participating business: the annual dividend declaration."""


def _rate(name: str, help_: str, required: bool = False) -> Callable:
    return click.option(name, required=required, default=None, help=help_)


@dividends.command("declare")
@click.option("--insurer", required=True, help="The insurer's code (its participating fund).")
@click.option("--year", required=True, help="The calendar year whose anniversaries are declared.")
@_rate("--yield", "The fund's actual investment yield, a fraction (0.045).", required=True)
@_rate("--mortality-ratio", "Actual mortality ÷ the pricing table's.", required=True)
@_rate("--expense-ratio", "Actual expenses ÷ those priced.", required=True)
@_rate("--share", "Policyholders' share of the distributable surplus (at least 0.70).")
@_rate("--smoothing", "CNY into the smoothing reserve (negative: released).")
@_rate("--accumulation-rate", "Interest on accumulated dividends for the year.")
@_rate("--bonus-rate", "Reversionary bonus rate (bonus products).")
@_rate("--terminal-rate", "Terminal bonus rate (bonus products).")
@click.option("--as", "as_email", required=True, help="The actuary or admin preparing it.")
def declare(as_email: str, **options: Any) -> None:
    """Prepare a declaration, compute it here with a progress bar, and print its preview."""
    from insure.accounts import declaration_run, declarations
    from insure.accounts.declaration_inputs import parse_declaration

    names = {
        "insurer": "insurer_code",
        "yield": "investment_yield",
        "mortality_ratio": "mortality_ratio",
        "expense_ratio": "expense_ratio",
        "share": "policyholder_share",
        "smoothing": "smoothing_transfer",
        "accumulation_rate": "accumulation_rate",
        "bonus_rate": "bonus_rate",
        "terminal_rate": "terminal_bonus_rate",
        "year": "year",
    }
    data = {names[k]: v for k, v in options.items() if v is not None}

    async def go() -> str:
        user = await _user(as_email)
        inputs = parse_declaration(data)
        row = await declarations.prepare(user, inputs)
        click.echo(f"{row['number']}: computing {row['run_total']} policies")
        bars = _Bars()
        await declaration_run.run(row["id"], progress=bars, force=True)
        bars.close()
        return _preview_text(await declarations.preview(row["number"]))

    click.echo(_run(go()))


@dividends.command("preview")
@click.argument("number")
def preview(number: str) -> None:
    """Print a declaration's preview."""
    from insure.accounts import declarations

    async def go() -> str:
        return _preview_text(await declarations.preview(number))

    click.echo(_run(go()))


@dividends.command("approve")
@click.argument("number")
@click.option("--as", "as_email", required=True, help="The approver: not the preparer.")
def approve(number: str, as_email: str) -> None:
    """Approve a prepared declaration (a second person)."""
    from insure.accounts import declarations

    async def go() -> dict:
        return await declarations.approve(await _user(as_email), number)

    row = _run(go())
    click.echo(f"{row['number']}: {row['status']}")


@dividends.command("post")
@click.argument("number")
@click.option("--as", "as_email", required=True, help="The actuary or admin posting it.")
def post(number: str, as_email: str) -> None:
    """Post an approved declaration here, with a progress bar."""
    from insure.accounts import declaration_posting, declarations

    async def go() -> dict:
        row = await declarations.post(await _user(as_email), number)
        bars = _Bars()
        bars.total_hint = (await declarations.progress(number))["total"]
        await declaration_posting.run_posting(row["id"], progress=bars, force=True)
        bars.close()
        return await declarations.get(number)

    row = _run(go())
    click.echo(f"{row['number']}: {row['status']}")


@dividends.command("reverse")
@click.argument("number")
@click.option("--as", "as_email", required=True, help="The actuary or admin reversing it.")
@click.option("--reason", required=True, help="Why (kept in the declaration's history).")
def reverse(number: str, as_email: str, reason: str) -> None:
    """Reverse a posted declaration here, with a progress bar."""
    from insure.accounts import declaration_posting, declarations

    async def go() -> dict:
        row = await declarations.reverse(await _user(as_email), number, reason)
        bars = _Bars()
        bars.total_hint = (await declarations.progress(number))["total"]
        await declaration_posting.run_reversal(row["id"], progress=bars, force=True)
        bars.close()
        return await declarations.get(number)

    row = _run(go())
    click.echo(f"{row['number']}: {row['status']}")


@dividends.command("withdraw")
@click.argument("number")
@click.option("--as", "as_email", required=True)
@click.option("--reason", required=True)
def withdraw(number: str, as_email: str, reason: str) -> None:
    """Withdraw a declaration not yet posted."""
    from insure.accounts import declarations

    async def go() -> dict:
        return await declarations.withdraw(await _user(as_email), number, reason)

    row = _run(go())
    click.echo(f"{row['number']}: {row['status']}")


@dividends.command("list")
def list_() -> None:
    """Every declaration, newest first."""
    from insure.accounts import declarations
    from insure.money import from_fen

    for row in _run(declarations.list_declarations()):
        click.echo(
            f"{row['number']:<28} {row['insurer_code']:<16} {row['year']} {row['status']:<10} "
            f"payout {from_fen(row['payout_fen'])} CNY, {row['eligible_policies']} policies"
        )
