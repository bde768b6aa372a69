"""Accounts, log-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import anyio

from insure import clock
from insure.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from insure.auth.tables import ROLES, ApiToken, User
from insure.auth.throttle import LoginThrottle
from insure.auth.validation import PASSWORD_MESSAGES, Registration, normalise_email, validate_registration
from insure.db import transaction
from insure.errors import N_, FieldError, NotAuthenticated, ValidationFailed

TOKEN_TTL = timedelta(days=30)
# Verifying against a real hash when the email is unknown keeps both failures equally slow.
_DUMMY_HASH = hash_password("not-a-real-password-0")


async def register_customer(data: dict[str, str]) -> dict:
    """Validate everything first, then create the customer; nothing is written on a rejected request."""
    reg, errors = validate_registration(data, clock.today())
    if reg is None:
        raise ValidationFailed(errors)
    return await create_account(reg, role="customer")


async def create_account(reg: Registration, *, role: str) -> dict:
    password_hash = await anyio.to_thread.run_sync(hash_password, reg.password)  # ~0.1 s: off the event loop
    try:
        async with transaction():
            errors = await _taken(reg)
            if errors:
                raise ValidationFailed(errors)
            rows = await User.insert(
                User(
                    email=reg.email,
                    password_hash=password_hash,
                    name=reg.name,
                    mobile=reg.mobile,
                    id_number=reg.id_number or None,
                    birth_date=reg.birth_date,
                    role=role,
                    created_at=clock.now(),
                )
            ).returning(*User.all_columns())
    except ValidationFailed:
        raise
    except Exception:
        # Two identical sign-ups raced past the check; the unique index stopped the second. Say why.
        errors = await _taken(reg)
        if errors:
            raise ValidationFailed(errors) from None
        raise
    return rows[0]


async def _taken(reg: Registration) -> list[FieldError]:
    errors = []
    if await User.exists().where(User.email == reg.email):
        errors.append(FieldError("email", "email_taken", N_("An account with this email already exists.")))
    if reg.id_number and await User.exists().where(User.id_number == reg.id_number):
        # Deliberately vague: whether an ID number belongs to a customer is personal information (PIPL).
        errors.append(
            FieldError(
                "id_number",
                "id_number_unavailable",
                N_("This ID number cannot be used to open an account. If you already have one, please log in."),
            )
        )
    return errors


async def create_staff(email: str, name: str, role: str, password: str) -> dict:
    """Create a staff (or customer) account from the CLI or the seed; no ID number needed for staff."""
    if role not in ROLES:
        raise ValidationFailed.one("role", "role_invalid", N_("Unknown role."))
    problems = password_problems(password, email, allow_published=True)  # the seeded demo accounts use it
    if problems:
        raise ValidationFailed([FieldError("password", f"password_{p}", PASSWORD_MESSAGES.get(p, p)) for p in problems])
    reg = Registration(normalise_email(email), password, name, "", "", None)  # type: ignore[arg-type]
    return await create_account(reg, role=role)


async def authenticate(email: str, password: str, throttle: LoginThrottle | None = None) -> dict:
    """The user for these credentials; one error for every failure so it gives no hint which part was wrong.

    With a throttle, too many failures for one address lock it for a while (TooManyAttempts), whether or not
    an account exists under it; the lock is checked before the password, so a locked account refuses even
    the right one."""
    account = normalise_email(email)
    if throttle:
        await throttle.check_and_count(account)
    user = await User.select().where(User.email == account).first()
    stored = user["password_hash"] if user else _DUMMY_HASH
    # argon2 takes ~0.1 s by design: run it in a thread so other requests keep being served
    matches = await anyio.to_thread.run_sync(verify_password, stored, password)
    if user is None or not matches or not user["is_active"]:
        if throttle:
            await throttle.failed(account)
        raise NotAuthenticated(N_("Email or password is incorrect."), code="invalid_credentials")
    if throttle:
        await throttle.succeeded(account)
    if needs_rehash(user["password_hash"]):
        new_hash = await anyio.to_thread.run_sync(hash_password, password)
        await User.update({User.password_hash: new_hash}).where(User.id == user["id"])
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user_id: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            token_hash=_digest(token),
            user=user_id,
            created_at=clock.real_now(),
            expires_at=clock.real_now() + TOKEN_TTL,
        )
    )
    return token, int(TOKEN_TTL.total_seconds())


async def user_for_token(token: str) -> dict | None:
    row = (
        await ApiToken.select(ApiToken.user, ApiToken.expires_at, ApiToken.revoked_at)
        .where(ApiToken.token_hash == _digest(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= clock.real_now():
        return None
    return await user_by_id(row["user"])


async def user_by_id(user_id: int) -> dict | None:
    return await User.select().where((User.id == user_id) & (User.is_active.eq(True))).first()


async def set_locale(user_id: int, locale: str) -> None:
    await User.update({User.locale: locale}).where(User.id == user_id)
