"""Accounts, log-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from insure import clock
from insure.auth.passwords import hash_password, needs_rehash, verify_password
from insure.auth.tables import ROLES, ApiToken, User
from insure.auth.validation import Registration, normalise_email, validate_registration
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
    async with transaction():
        errors = []
        if await User.exists().where(User.email == reg.email):
            errors.append(FieldError("email", "email_taken", N_("An account with this email already exists.")))
        if reg.id_number and await User.exists().where(User.id_number == reg.id_number):
            errors.append(
                FieldError("id_number", "id_number_taken", N_("An account with this ID number already exists."))
            )
        if errors:
            raise ValidationFailed(errors)
        rows = await User.insert(
            User(
                email=reg.email,
                password_hash=hash_password(reg.password),
                name=reg.name,
                mobile=reg.mobile,
                id_number=reg.id_number or None,
                birth_date=reg.birth_date,
                role=role,
                created_at=clock.now(),
            )
        ).returning(*User.all_columns())
    return rows[0]


async def create_staff(email: str, name: str, role: str, password: str) -> dict:
    """Create a staff (or customer) account from the CLI or the seed; no ID number needed for staff."""
    if role not in ROLES:
        raise ValidationFailed.one("role", "role_invalid", N_("Unknown role."))
    from insure.auth.passwords import password_problems

    problems = password_problems(password)
    if problems:
        raise ValidationFailed.one("password", f"password_{problems[0]}", N_("The password is not acceptable."))
    reg = Registration(normalise_email(email), password, name, "", "", None)  # type: ignore[arg-type]
    return await create_account(reg, role=role)


async def authenticate(email: str, password: str) -> dict:
    """The user for these credentials; one error for every failure so it gives no hint which part was wrong."""
    user = await User.select().where(User.email == normalise_email(email)).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise NotAuthenticated(N_("Email or password is incorrect."), code="invalid_credentials")
    if not verify_password(user["password_hash"], password) or not user["is_active"]:
        raise NotAuthenticated(N_("Email or password is incorrect."), code="invalid_credentials")
    if needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == user["id"])
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user_id: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            token_hash=_digest(token),
            user=user_id,
            created_at=clock.now(),
            expires_at=clock.now() + TOKEN_TTL,
        )
    )
    return token, int(TOKEN_TTL.total_seconds())


async def user_for_token(token: str) -> dict | None:
    row = (
        await ApiToken.select(ApiToken.user, ApiToken.expires_at, ApiToken.revoked_at)
        .where(ApiToken.token_hash == _digest(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= clock.now():
        return None
    return await user_by_id(row["user"])


async def user_by_id(user_id: int) -> dict | None:
    return await User.select().where((User.id == user_id) & (User.is_active.eq(True))).first()


async def set_locale(user_id: int, locale: str) -> None:
    await User.update({User.locale: locale}).where(User.id == user_id)
