"""Participating policy accounts and dividend declarations: the words and the life cycles (pure: no framework).

A participating product pays its share of the fund's surplus either as **cash dividends** (现金红利), applied by
the policyholder's option, or as **reversionary bonuses** (增额红利) that raise the cover, with a terminal bonus
when the policy ends. See docs/dividends.md.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from insure.state_machine import lifecycle


class DividendStyle(StrEnum):
    CASH = "cash"  # 现金红利: a dividend in money each year, applied by the option
    REVERSIONARY_BONUS = "reversionary_bonus"  # 增额红利: the sum insured grows; terminal bonus at the end


class DividendOption(StrEnum):
    """How a cash dividend is applied (红利领取方式); chosen at application, changed by an endorsement."""

    CASH = "cash"  # paid out to the policyholder's bank account
    PREMIUM_OFFSET = "premium_offset"  # reduces the next instalment; any excess stays in the account
    ACCUMULATE = "accumulate"  # left in the account at the declared accumulation rate, compound, annually
    PAID_UP_ADDITIONS = "paid_up_additions"  # buys paid-up cover at the net single premium for the attained age


class DeclarationStatus(StrEnum):
    COMPUTING = "computing"  # the workers compute every eligible policy's contribution (progress on the page)
    PREPARED = "prepared"  # the preview is ready; waits for a second person's approval
    APPROVED = "approved"  # approved by someone other than the preparer; may be posted
    POSTED = "posted"  # the payout is booked and each policy's dividend is credited on its anniversary
    WITHDRAWN = "withdrawn"  # dropped before posting (inputs to be corrected); nothing was booked
    REVERSED = "reversed"  # a posted declaration undone by reversing entries; declare the year again


DECLARATION = lifecycle(
    "declaration",
    DeclarationStatus,
    {
        DeclarationStatus.COMPUTING: {DeclarationStatus.PREPARED, DeclarationStatus.WITHDRAWN},
        DeclarationStatus.PREPARED: {DeclarationStatus.APPROVED, DeclarationStatus.WITHDRAWN},
        DeclarationStatus.APPROVED: {DeclarationStatus.POSTED, DeclarationStatus.WITHDRAWN},
        DeclarationStatus.POSTED: {DeclarationStatus.REVERSED},
        DeclarationStatus.WITHDRAWN: set(),
        DeclarationStatus.REVERSED: set(),
    },
    initial={DeclarationStatus.COMPUTING},
)

# A declaration in one of these holds its insurer's year: a second one for the same year is refused.
HOLDS_THE_YEAR = frozenset(
    {DeclarationStatus.COMPUTING, DeclarationStatus.PREPARED, DeclarationStatus.APPROVED, DeclarationStatus.POSTED}
)


class AllocationStatus(StrEnum):
    """One policy's share of one declaration (dividend_allocation)."""

    COMPUTED = "computed"  # in a declaration not yet posted (preview)
    DECLARED = "declared"  # posted: waits for the policy's anniversary (and for premiums to be up to date)
    CREDITED = "credited"  # applied to the account by the policy's option
    FORFEITED = "forfeited"  # the policy ended before the anniversary with no pro-rata part due (lapsed, free-look)
    SETTLED = "settled"  # the policy ended before the anniversary: the pro-rata part was paid with the exit
    REVERSED = "reversed"  # its declaration was reversed


ALLOCATION = lifecycle(
    "dividend_allocation",
    AllocationStatus,
    {
        AllocationStatus.COMPUTED: {AllocationStatus.DECLARED, AllocationStatus.REVERSED},
        AllocationStatus.DECLARED: {
            AllocationStatus.CREDITED,
            AllocationStatus.FORFEITED,
            AllocationStatus.SETTLED,
            AllocationStatus.REVERSED,
        },
        AllocationStatus.CREDITED: {AllocationStatus.REVERSED},
        AllocationStatus.FORFEITED: {AllocationStatus.REVERSED},
        AllocationStatus.SETTLED: {AllocationStatus.REVERSED},
        AllocationStatus.REVERSED: set(),
    },
    initial={AllocationStatus.COMPUTED},
)


class Bucket(StrEnum):
    """What an account entry moves; a balance is the sum of a bucket's entries (fen, signed)."""

    ACCUMULATED = "accumulated"  # cash dividends held in the account (with their interest)
    PUA_SUM_INSURED = "pua_sum_insured"  # the sum insured of paid-up additions bought
    BONUS_SUM_INSURED = "bonus_sum_insured"  # reversionary bonuses added to the cover
    DIVIDENDS_CREDITED = "dividends_credited"  # memo: every cash dividend credited, whatever its option
    PAID_OUT = "paid_out"  # memo: what left the account in money (cash option, withdrawals, exits, offsets)


class EntryKind(StrEnum):
    """Why an account entry was made (the account's history shows one line per kind)."""

    DIVIDEND = "dividend"  # a cash dividend credited (+accumulated, +dividends_credited)
    INTEREST = "interest"  # annual interest on the accumulated balance (+accumulated)
    CASH_PAID = "cash_paid"  # the cash option paid the dividend out (−accumulated, +paid_out)
    PREMIUM_OFFSET = "premium_offset"  # the dividend paid part of the next instalment (−accumulated, +paid_out)
    PUA_PURCHASE = "pua_purchase"  # the dividend bought paid-up additions (−accumulated, +pua_sum_insured)
    BONUS = "bonus"  # a reversionary bonus added to the cover (+bonus_sum_insured)
    WITHDRAWAL = "withdrawal"  # the policyholder took accumulated dividends out (−accumulated, +paid_out)
    EXIT = "exit"  # the account settled when the policy ended (surrender, maturity, death, free-look)
    REVERSAL = "reversal"  # undoes an entry of a reversed declaration (same bucket, opposite sign)


# The interest rate accumulated dividends earn until the first declaration of the fund sets one (a fraction).
DEFAULT_ACCUMULATION_RATE = Decimal("0.025")
# At least this share of the distributable surplus goes to policyholders (分红保险精算规定, 2015: 不低于70%).
MIN_POLICYHOLDER_SHARE = Decimal("0.70")
