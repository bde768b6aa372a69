"""Demo participating accounts several years old (issue 11), so `make run` shows real accounts, notices and work
for the actuaries.

Everything is made the way it happens, through the real services, by replaying the last four years on this
process's clock (the technique of ``claims.seed_claims``): demo customers buy participating policies on the
products' launch versions (quote, application with a dividend option, card payment, the sandbox's confirmation),
then the clock walks forward. Each January the actuary prepares each life insurer's declaration for the year
(``declarations.prepare`` + ``declaration_run.run``), the chief actuary approves it and it is posted
(``run_posting``); on each policy anniversary the nightly jobs run in order (``insure.batch.run_now``: due notices,
lapse, collection from the saved card, anniversaries and their interest, ``credit_dividends``) and the sandbox
gateway confirms the charges and payouts they started. Near today one customer withdraws accumulated dividends
and another changes the option; the current year's declaration of Chang'an Life is prepared by the actuary and
waits for the chief actuary's approval, Huaxia's is left to declare. The clock is put back where it was.

The notices are pages computed from the credited allocations; their e-mails are queued in the outbox for the
worker (seeding never waits for them). Safe to run twice: when the demo customer already holds the first demo
policy, nothing is done (the seed is all or nothing: a failed seed is rerun on a fresh database).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from insure import batch, clock
from insure.accounts import declaration_posting, declaration_run, declarations, options, withdrawals
from insure.accounts.declaration_inputs import parse_declaration
from insure.accounts.model import DeclarationStatus
from insure.accounts.tables import Declaration, DividendAllocation
from insure.applications import services as applications
from insure.auth.tables import User
from insure.payments import payouts
from insure.payments import services as payments
from insure.payments.tables import Payment, Payout
from insure.policies import billing, paying
from insure.policies.tables import Policy
from products import services as products
from products.underwriting import rules_for

CARD = ("4242 4242 4242 4242", "12/49", "123")  # the sandbox's card that always pays (and is saved for renewals)
BANK_ACCOUNT = "6222020200112233445"
ACTUARY = "actuary@insure.test"
CHIEF = "chief.actuary@insure.test"
CHANGAN, HUAXIA = "changan_life", "huaxia_mutual"
# the first cohort bought this many days before today (about four years), the second about three years ago
FIRST_SALE_DAYS, SECOND_SALE_DAYS = 1530, 1165


@dataclass(frozen=True)
class Sale:
    """One demo participating policy: who buys which product, with which dividend option (empty for a bonus
    product), premium term ("single" or years, annual), sum insured, and which cohort."""

    customer: str
    product: str
    option: str
    premium_term: str
    sum_insured: str
    days_ago: int
    policy_term: str | None = None


C = "customer@insure.test"
SALES = (
    Sale(C, "wl_par_changan", "accumulate", "10", "200000", FIRST_SALE_DAYS),
    # a month and a half later: the claims seed's applications (dated today) count in the underwriting rule of
    # at most three applications in 30 days
    Sale(C, "endow_par_huaxia", "premium_offset", "policy_term", "100000", FIRST_SALE_DAYS - 45, "10"),
    Sale(C, "wl_bonus_changan", "", "10", "150000", SECOND_SALE_DAYS),
    Sale("customer1@insure.test", "wl_par_huaxia", "paid_up_additions", "20", "300000", FIRST_SALE_DAYS),
    Sale("customer2@insure.test", "endow_par_changan", "cash", "single", "50000", FIRST_SALE_DAYS, "10"),
    Sale("customer3@insure.test", "wl_par_changan", "paid_up_additions", "10", "100000", SECOND_SALE_DAYS),
    Sale("customer4@insure.test", "endow_par_huaxia", "accumulate", "single", "80000", SECOND_SALE_DAYS, "10"),
    Sale("customer5@insure.test", "endow_par_changan", "premium_offset", "policy_term", "120000", FIRST_SALE_DAYS,
         "20"),
    Sale("customer6@insure.test", "wl_par_huaxia", "cash", "10", "150000", SECOND_SALE_DAYS),
)  # fmt: skip

# each past year's experience per insurer: (yield, mortality ratio, expense ratio, share, smoothing, accumulation
# rate, bonus rate, terminal rate), taken in turn by year
EXPERIENCE = {
    CHANGAN: (
        ("0.042", "0.85", "0.95", "0.75", "0", "0.03", "0.003", "0.2"),
        ("0.046", "0.82", "0.92", "0.78", "0", "0.03", "0.004", "0.25"),
        ("0.039", "0.88", "0.98", "0.72", "0", "0.03", "0.002", "0.2"),
        ("0.041", "0.86", "0.96", "0.75", "0", "0.03", "0.003", "0.2"),
    ),
    HUAXIA: (
        ("0.055", "0.8", "0.9", "0.8", "0", "0.03", "0", "0"),
        ("0.058", "0.84", "0.93", "0.76", "0", "0.03", "0", "0"),
        ("0.053", "0.9", "1.0", "0.7", "0", "0.03", "0", "0"),
    ),
}


async def seed_accounts(progress: bool = True) -> int:
    """Create the demo participating policies and their years; returns how many policies were bought."""
    started = time.monotonic()
    demo = await _user(C)
    if demo is None or await Policy.exists().where(
        (Policy.customer == demo["id"]) & (Policy.product_code == SALES[0].product)
    ):
        if progress:
            print("seed: demo participating accounts already there")
        return 0
    base = clock.offset()
    today = clock.today()
    try:
        bought = [await _buy(sale, base) for sale in SALES]
        await _walk(bought, base, today)
        await _customer_actions(base, bought)
        _at(base, 1)
        await _declare(CHANGAN, today.year, approve=False)
    finally:
        clock.set_offset(base)
    if progress:
        credited = await DividendAllocation.count().where(DividendAllocation.status == "credited")
        posted = await Declaration.count().where(Declaration.status == DeclarationStatus.POSTED)
        print(
            f"seed: {len(bought)} participating policies, {posted} declarations posted, {credited} dividends "
            f"credited, 1 declaration awaiting approval ({time.monotonic() - started:.1f} s)"
        )
    return len(bought)


async def _user(email: str) -> dict | None:
    return await User.select().where(User.email == email).first()


def _at(base: timedelta, days_ago: int) -> None:
    """Put this process's clock ``days_ago`` days before the demo's today."""
    clock.set_offset(base - timedelta(days=days_ago))


def _on(base: timedelta, day: date, today: date) -> None:
    _at(base, (today - day).days)


async def _buy(sale: Sale, base: timedelta) -> dict:
    """Quote, apply (with the dividend option), pay by card and the sandbox's confirmation, ``days_ago``."""
    customer = await _user(sale.customer)
    assert customer is not None, sale.customer
    _at(base, sale.days_ago)
    body = {
        "product_code": sale.product,
        "birth_date": customer["birth_date"].isoformat(),
        "sex": _sex(customer),
        "sum_insured": sale.sum_insured,
        "premium_term": sale.premium_term,
        "channel": "platform",
    }
    if sale.policy_term:
        body["policy_term"] = sale.policy_term
    quote = await products.create_quote(body, customer)
    questions = rules_for(products.quoted_product(quote)).questions
    app = await applications.submit(
        customer,
        {
            "quote_id": quote["public_id"],
            "height_cm": 172,
            "weight_kg": "66",
            "answers": {q.code: False for q in questions},
            "legal_heirs": True,
            "address": "上海市徐汇区漕溪北路 88 号",
            "bank_account": BANK_ACCOUNT,
            "consent": True,
            **({"dividend_option": sale.option} if sale.option else {}),
        },
    )
    number = app["policy_number"]
    assert app["status"] == "accepted", (sale, app["status"])
    await paying.start(customer, number, *CARD, key=f"seed-{number}")
    await _settle_charges()
    return await Policy.select().where(Policy.number == number).first()


def _sex(customer: dict) -> str:
    # the resident ID number's 17th digit: odd for men
    return "male" if int(customer["id_number"][16]) % 2 else "female"


async def _settle_charges() -> None:
    """The sandbox gateway's confirmations of every charge and payout waiting for it (the worker's part)."""
    for p in await Payment.select(Payment.gateway_ref).where(Payment.status == "pending"):
        await payments.sandbox_settle(p["gateway_ref"])
    for p in await Payout.select(Payout.id).where(Payout.status == "pending"):
        await payouts.settle_payout(p["id"])


async def _nightly() -> None:
    """The day's jobs in order, as the demo clock's "run now" does, and the gateway's answers."""
    for job in batch.jobs():
        await batch.run_now(job.name)
        await _settle_charges()


async def _walk(bought: list[dict], base: timedelta, today: date) -> None:
    """From the first sale to today: each January the declarations of the year, each anniversary its night."""
    first = min(p["effective_date"] for p in bought)
    days: dict[date, list[tuple[str, int]]] = {}
    for year in range(first.year + 1, today.year):
        for insurer in (CHANGAN, HUAXIA):
            days.setdefault(date(year, 1, 15), []).append((insurer, year))
    for p in bought:
        t = 1
        while (ann := billing.policy_anniversary(p["effective_date"], t)) < today:
            days.setdefault(ann, [])
            t += 1
    for day in sorted(days):
        _on(base, day, today)
        for insurer, year in days[day]:
            await _declare(insurer, year, approve=True)
        if not days[day]:
            await _nightly()


async def _declare(insurer: str, year: int, *, approve: bool) -> None:
    """The actuary prepares and runs the declaration; the chief actuary approves it and it is posted."""
    actuary, chief = await _user(ACTUARY), await _user(CHIEF)
    if not await declarations.count_eligible(insurer, year):
        return
    rows = EXPERIENCE[insurer]
    values = rows[year % len(rows)]
    names = ("investment_yield", "mortality_ratio", "expense_ratio", "policyholder_share", "smoothing_transfer")
    names += ("accumulation_rate", "bonus_rate", "terminal_bonus_rate")
    data = parse_declaration({"insurer_code": insurer, "year": str(year), **dict(zip(names, values, strict=True))})
    row = await declarations.prepare(actuary, data, enqueue=False)
    await declaration_run.run(row["id"])
    if not approve:
        return
    await declarations.approve(chief, row["number"])
    await declarations.post(chief, row["number"], enqueue=False)
    await declaration_posting.run_posting(row["id"])


async def _customer_actions(base: timedelta, bought: list[dict]) -> None:
    """The demo customer takes part of the accumulated dividends out; a customer switches to accumulate."""
    customer = await _user(C)
    _at(base, 20)
    await withdrawals.withdraw(customer, bought[0]["number"], "100", "seed-withdrawal")
    await _settle_charges()
    _at(base, 10)
    other = await _user(SALES[5].customer)
    await options.change_option(other, bought[5]["number"], "accumulate")
