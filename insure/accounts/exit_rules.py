"""What a participating policy's account pays when the policy ends, and how it is booked (pure: no framework).

``ExitQuote`` holds every part in fen; ``parts`` is the breakdown shown on the surrender quote, ``account_moves``
the account entries that empty the buckets, ``exit_lines`` the one journal entry that releases the control
accounts (docs/dividends.md, "Everywhere else the account matters"). The payout itself is one gateway transfer of
``total_fen`` under the exit's usual key (``surrender:<id>``, ``maturity:<id>``), booked Dr <exit expense> /
Cr cash when confirmed; the entry here moves the account's share of that expense onto the liabilities it
releases, so the exit expense keeps only the guaranteed part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from insure.accounts.model import Bucket
from insure.errors import N_
from insure.ledger import entries
from insure.ledger.entries import Line

# the exits: how each is booked when its payout is confirmed (payments.payouts.PAYOUT_ACCOUNTS)
EXIT_EXPENSE = {
    "surrender": entries.SURRENDER_VALUES,
    "maturity": entries.MATURITY_BENEFITS,
    "death": entries.CLAIMS_PAID,
}

PART_LABELS: dict[str, str] = {
    "guaranteed": N_("Guaranteed cash value"),
    "maturity_benefit": N_("Maturity benefit (guaranteed)"),
    "accumulated": N_("Dividends held in the account"),
    "interest": N_("Interest on the dividends since the last anniversary"),
    "pua": N_("Paid-up additions"),
    "bonus": N_("Reversionary bonuses"),
    "terminal": N_("Terminal bonus"),
    "pro_rata": N_("This year's dividend for the days in force"),
}


@dataclass(frozen=True)
class ExitQuote:
    """What the account pays at an exit on `on` (fen). `base_fen` is the guaranteed part (cash value or maturity
    benefit; 0 for a death, whose cover is the claim). The `*_book_fen` are the amounts the ledger holds for the
    paid-up additions and bonuses (what they cost when added); `declared_fen` is the whole dividend of the
    `declared` allocation being settled (`allocation_id`), of which `pro_rata_fen` is paid."""

    reason: str
    on: date
    base_fen: int = 0
    accumulated_fen: int = 0
    interest_fen: int = 0
    pua_value_fen: int = 0
    bonus_value_fen: int = 0
    terminal_fen: int = 0
    pro_rata_fen: int = 0
    pua_sum_insured_fen: int = 0
    bonus_sum_insured_fen: int = 0
    pua_book_fen: int = 0
    bonus_book_fen: int = 0
    declared_fen: int = 0
    allocation_id: int | None = None

    @property
    def account_fen(self) -> int:
        """What the account adds to the guaranteed part."""
        return (
            self.accumulated_fen
            + self.interest_fen
            + self.pua_value_fen
            + self.bonus_value_fen
            + self.terminal_fen
            + self.pro_rata_fen
        )

    @property
    def total_fen(self) -> int:
        return self.base_fen + self.account_fen

    def parts(self) -> list[tuple[str, str, int]]:
        """(code, label msgid, fen) for the breakdown: the guaranteed part always, the others when not zero."""
        base = "maturity_benefit" if self.reason == "maturity" else "guaranteed"
        rows = [(base, self.base_fen)] if self.reason != "death" else []
        rows += [
            ("accumulated", self.accumulated_fen),
            ("interest", self.interest_fen),
            ("pua", self.pua_value_fen),
            ("bonus", self.bonus_value_fen),
            ("terminal", self.terminal_fen),
            ("pro_rata", self.pro_rata_fen),
        ]
        return [(code, PART_LABELS[code], fen) for code, fen in rows if fen or code == base]


def account_moves(quote: ExitQuote) -> list[tuple[str, int]]:
    """(bucket, signed fen) that empty the account: the buckets go to zero and what left in money is `paid_out`.
    The days' interest and the pro-rata dividend pass through `accumulated` (credited, then paid)."""
    moves = [
        (Bucket.ACCUMULATED, quote.interest_fen + quote.pro_rata_fen),
        (Bucket.DIVIDENDS_CREDITED, quote.pro_rata_fen),
        (Bucket.ACCUMULATED, -(quote.accumulated_fen + quote.interest_fen + quote.pro_rata_fen)),
        (Bucket.PUA_SUM_INSURED, -quote.pua_sum_insured_fen),
        (Bucket.BONUS_SUM_INSURED, -quote.bonus_sum_insured_fen),
        (Bucket.PAID_OUT, quote.account_fen),
    ]
    return [(str(bucket), fen) for bucket, fen in moves if fen]


def _signed(account: str, fen: int) -> list[Line]:
    """A debit for a positive amount, a credit for a negative one, nothing for zero."""
    if fen > 0:
        return [Line(account, debit_fen=fen)]
    if fen < 0:
        return [Line(account, credit_fen=-fen)]
    return []


def exit_lines(quote: ExitQuote, expense_account: str) -> tuple[Line, ...]:
    """The journal entry at the exit (before its payout is confirmed).

    Dr dividends_accumulated (the balance: the control account follows the bucket to 0), Dr paid_up_additions and
    reversionary_bonuses (their book values), Dr dividends_declared (the settled allocation), Dr dividend_interest
    (the days' interest, an expense); Cr policyholder_dividends (the part of the declared dividend not paid: the
    expense booked at the declaration is given back); Cr the exit's expense account (the account's share of the
    payout, which the payout debits there in full). The difference between what the additions and bonuses are
    worth today (plus the terminal bonus) and their book values is the bonus expense (expense:reversionary_bonuses,
    a credit when they are worth less than they cost). For a death the cover of the additions and bonuses is in the
    claim's payout (claims paid); the accumulated dividends are paid separately (see exits.py).
    Empty when nothing moves."""
    revaluation = quote.pua_value_fen + quote.bonus_value_fen + quote.terminal_fen - quote.pua_book_fen
    revaluation -= quote.bonus_book_fen
    lines = [
        *_signed(entries.DIVIDENDS_ACCUMULATED, quote.accumulated_fen),
        *_signed(entries.PAID_UP_ADDITIONS, quote.pua_book_fen),
        *_signed(entries.REVERSIONARY_BONUSES, quote.bonus_book_fen),
        *_signed(entries.DIVIDENDS_DECLARED, quote.declared_fen),
        *_signed(entries.DIVIDEND_INTEREST, quote.interest_fen),
        *_signed(entries.BONUS_EXPENSE, revaluation),
        *_signed(entries.POLICYHOLDER_DIVIDENDS, -(quote.declared_fen - quote.pro_rata_fen)),
        *_signed(expense_account, -quote.account_fen),
    ]
    merged = _merge(lines)
    return tuple(merged) if merged else ()


def _merge(lines: list[Line]) -> list[Line]:
    """One line per account (a debit and a credit on the same account net to one side)."""
    net: dict[str, int] = {}
    for line in lines:
        net[line.account] = net.get(line.account, 0) + line.debit_fen - line.credit_fen
    return [line for account, fen in net.items() for line in _signed(account, fen)]
