"""Demo data: staff of every role and a few customers, from a fixed Faker seed. Safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from faker import Faker

from insure import clock
from insure.auth import services as auth
from insure.auth.tables import User
from insure.auth.validation import Registration
from insure.identity import make_resident_id

DEMO_PASSWORD = "insure-demo-2026"
SEED = 20261128


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    name: str


STAFF = (
    DemoLogin("admin@insure.test", "admin", "系统管理员 Admin"),
    DemoLogin("adjuster@insure.test", "adjuster", "王理赔 Wang (adjuster)"),
    DemoLogin("adjuster2@insure.test", "adjuster", "李理赔 Li (adjuster)"),
    DemoLogin("claims.manager@insure.test", "adjuster", "周经理 Zhou (claims manager)"),
    DemoLogin("underwriter@insure.test", "underwriter", "赵核保 Zhao (underwriter)"),
    DemoLogin("senior.underwriter@insure.test", "underwriter", "钱核保 Qian (senior underwriter)"),
    DemoLogin("agent@insure.test", "agent", "陈代理 Chen (agent)"),
    # the dividend declaration (insure.accounts): one prepares it, the other approves it
    DemoLogin("actuary@insure.test", "actuary", "孙精算 Sun (actuary)"),
    DemoLogin("chief.actuary@insure.test", "actuary", "吴精算 Wu (chief actuary)"),
)
# authority in fen: for underwriters the largest sum insured each may decide; for adjusters the largest claim
# approval each may make alone (above it a second person confirms; an admin's authority has no limit)
AUTHORITY = {
    "underwriter@insure.test": 100_000_000,
    "senior.underwriter@insure.test": 1_000_000_000,
    "adjuster@insure.test": 500_000,  # 5,000 CNY
    "adjuster2@insure.test": 2_000_000,  # 20,000 CNY
    "claims.manager@insure.test": 10_000_000,  # 100,000 CNY (the claims manager: claims.seed_claims)
}
DEMO_CUSTOMER = DemoLogin("customer@insure.test", "customer", "张三")
CUSTOMERS = 8


def demo_customers(count: int = CUSTOMERS) -> list[Registration]:
    """Deterministic customers with valid resident ID numbers (the same list on every run)."""
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    people = []
    for i in range(count):
        birth = fake.date_of_birth(minimum_age=20, maximum_age=60)
        sex = "male" if i % 2 == 0 else "female"
        name = fake.name_male() if sex == "male" else fake.name_female()
        people.append(
            Registration(
                email=f"customer{i + 1}@insure.test",
                password=DEMO_PASSWORD,
                name=name,
                mobile=fake.phone_number(),
                id_number=make_resident_id("110105", birth, i % 100, sex),
                birth_date=birth,
            )
        )
    return people


async def seed(progress: bool = True) -> list[DemoLogin]:
    """Create what is missing; returns the demo logins to print."""
    created = 0
    for login in STAFF:
        if not await User.exists().where(User.email == login.email):
            await auth.create_staff(login.email, login.name, login.role, DEMO_PASSWORD)
            created += 1
        if login.email in AUTHORITY:
            await User.update({User.authority_fen: AUTHORITY[login.email]}).where(User.email == login.email)
    customers = [
        Registration(
            DEMO_CUSTOMER.email,
            DEMO_PASSWORD,
            DEMO_CUSTOMER.name,
            "13800138000",
            make_resident_id("310104", date(1990, 5, 17), 1, "male"),
            date(1990, 5, 17),
        ),
        *demo_customers(),
    ]
    for reg in customers:
        if not await User.exists().where(User.email == reg.email):
            await auth.create_account(reg, role="customer")
            created += 1
    if progress:
        print(
            f"seed: {created} accounts created, {len(STAFF) + len(customers) - created} already there "
            f"(as of {clock.today().isoformat()})"
        )
    await _seed_claims(progress)
    await _seed_accounts(progress)
    return [*STAFF, DEMO_CUSTOMER]


async def _seed_claims(progress: bool) -> None:
    """The claims team and demo claims in every state (issue 10): claims.seed_claims."""
    from claims.seed_claims import seed_claims

    await seed_claims(progress)


async def _seed_accounts(progress: bool) -> None:
    """Participating policies several years old, declarations posted, one awaiting approval (issue 11)."""
    from insure.accounts.seed_accounts import seed_accounts

    await seed_accounts(progress)
