"""Double-entry rules for the journal (pure): what makes an entry acceptable, and the chart of accounts.

Every money movement is one balanced entry: the debits equal the credits. Amounts are whole fen. An
account's balance is always derived from its lines (debits minus credits); mistakes are corrected by a
reversing entry, never by changing lines already posted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CASH_SANDBOX = "asset:cash:sandbox"
"""Money collected through the built-in sandbox payment gateway and not yet paid out (an asset)."""

PREMIUM_WRITTEN = "income:premium_written"
"""Premium received for issued policies (income); refunds are booked separately, not netted here."""

CLAIMS_PAID = "expense:claims_paid"
"""Benefits paid to claimants on settled claims (an expense)."""

PREMIUM_REFUNDS = "expense:premium_refunds"
"""Premium returned to policyholders: free-look cancellations, rejected applications (an expense)."""

KINDS = frozenset({"asset", "liability", "income", "expense", "equity"})

REINSTATEMENT_INTEREST = "income:reinstatement_interest"
SURRENDER_VALUES = "expense:surrender_values"
MATURITY_BENEFITS = "expense:maturity_benefits"
# case reserves (issue 10): an adjuster's estimate of what an open claim will cost, held as a liability; every
# change is booked against the expense "change in case reserves", and the reserve is released when the claim is
# paid or denied (the payment itself is booked to claims paid as before)
CASE_RESERVES = "liability:case_reserves"
CASE_RESERVE_CHANGE = "expense:change_in_case_reserves"
# participating business (docs/dividends.md): the control accounts of the policy accounts' sub-ledger
POLICYHOLDER_DIVIDENDS = "expense:policyholder_dividends"
DIVIDENDS_DECLARED = "liability:dividends_declared"
DIVIDENDS_ACCUMULATED = "liability:dividends_accumulated"
DIVIDEND_INTEREST = "expense:dividend_interest"
SMOOTHING_RESERVE = "liability:smoothing_reserve"
PAID_UP_ADDITIONS = "liability:paid_up_additions"
REVERSIONARY_BONUSES = "liability:reversionary_bonuses"
BONUS_EXPENSE = "expense:reversionary_bonuses"
CHART: dict[str, tuple[str, str]] = {
    POLICYHOLDER_DIVIDENDS: ("expense", "Policyholder dividends declared"),
    DIVIDENDS_DECLARED: ("liability", "Dividends declared, not yet credited"),
    DIVIDENDS_ACCUMULATED: ("liability", "Dividends held in policy accounts"),
    DIVIDEND_INTEREST: ("expense", "Interest on accumulated dividends"),
    SMOOTHING_RESERVE: ("liability", "Smoothing reserve of the participating funds"),
    PAID_UP_ADDITIONS: ("liability", "Paid-up additions bought with dividends"),
    REVERSIONARY_BONUSES: ("liability", "Reversionary bonuses added to cover"),
    BONUS_EXPENSE: ("expense", "Reversionary bonuses declared"),
    CASE_RESERVES: ("liability", "Case reserves on open claims"),
    CASE_RESERVE_CHANGE: ("expense", "Change in case reserves"),
    SURRENDER_VALUES: ("expense", "Cash values paid on surrender"),
    MATURITY_BENEFITS: ("expense", "Maturity benefits paid"),
    REINSTATEMENT_INTEREST: ("income", "Interest on premium arrears (reinstatement)"),
    CASH_SANDBOX: ("asset", "Cash at the sandbox payment gateway"),
    PREMIUM_WRITTEN: ("income", "Premium written"),
    CLAIMS_PAID: ("expense", "Claims paid"),
    PREMIUM_REFUNDS: ("expense", "Premium refunds"),
}


class UnbalancedEntry(ValueError):
    """An entry that may not be posted; `code` is "empty", "bad_line", "unbalanced" or "zero"."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _line_problem(line: object) -> str | None:
    """Why a line is not acceptable, or None; shared by Line itself and validate_entry."""
    if not isinstance(line, Line):
        return f"expected a Line, got {type(line).__name__}"
    if not isinstance(line.account, str) or not line.account.strip():
        return "a line needs an account code"
    if not _is_int(line.debit_fen) or not _is_int(line.credit_fen):
        return f"{line.account}: amounts must be whole fen (int)"
    if line.debit_fen < 0 or line.credit_fen < 0:
        return f"{line.account}: amounts may not be negative"
    if (line.debit_fen > 0) == (line.credit_fen > 0):
        return f"{line.account}: exactly one of debit and credit must be positive"
    return None


@dataclass(frozen=True)
class Line:
    """One side of an entry: a positive amount in fen debited or credited to one account."""

    account: str
    debit_fen: int = 0
    credit_fen: int = 0

    def __post_init__(self) -> None:
        for name in ("debit_fen", "credit_fen"):
            if not _is_int(getattr(self, name)):
                raise TypeError(f"{name} must be an int number of fen, not {type(getattr(self, name)).__name__}")
        problem = _line_problem(self)
        if problem:
            raise UnbalancedEntry("bad_line", problem)


def validate_entry(lines: Sequence[Line]) -> tuple[Line, ...]:
    """Check an entry before posting: two or more valid lines whose debits equal their credits."""
    entry = tuple(lines)
    if len(entry) < 2:
        raise UnbalancedEntry("empty", "an entry needs at least two lines")
    for line in entry:
        problem = _line_problem(line)
        if problem:
            raise UnbalancedEntry("bad_line", problem)
    debits = sum(line.debit_fen for line in entry)
    credits = sum(line.credit_fen for line in entry)
    if debits != credits:
        raise UnbalancedEntry("unbalanced", f"debits ({debits} fen) do not equal credits ({credits} fen)")
    if debits == 0:
        raise UnbalancedEntry("zero", "an entry must move a positive amount")
    return entry


def transfer(debit_account: str, credit_account: str, amount_fen: int) -> tuple[Line, ...]:
    """The common two-line entry: move `amount_fen` from `credit_account` to `debit_account`."""
    if not _is_int(amount_fen):
        raise TypeError(f"amount_fen must be an int, not {type(amount_fen).__name__}")
    if amount_fen == 0:
        raise UnbalancedEntry("zero", "an entry must move a positive amount")
    if debit_account == credit_account:
        raise UnbalancedEntry("bad_line", f"{debit_account}: debit and credit accounts must differ")
    return validate_entry([Line(debit_account, debit_fen=amount_fen), Line(credit_account, credit_fen=amount_fen)])


def balance(lines: Iterable[Line], account: str) -> int:
    """An account's balance in fen: its debits minus its credits."""
    return sum(line.debit_fen - line.credit_fen for line in lines if line.account == account)
