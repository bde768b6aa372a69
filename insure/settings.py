"""One frozen Settings object read from the environment.

Defaults run on one machine with no services: a SQLite file, the embedded ``filesystem://`` broker and a
local document store, all under ``var/``. Production switches by setting ``DATABASE_URL``, ``BROKER_URL``
and ``REDIS_URL``; the same code runs in both.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message says which and what to do."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    env: str
    var_dir: Path
    database_url: str
    broker_url: str
    redis_url: str | None
    document_dir: Path
    mail_dir: Path
    secret_key: str
    payment_webhook_secret: str
    public_url: str
    secure_cookies: bool
    allowed_hosts: tuple[str, ...]
    wkhtmltopdf: str | None
    timezone: str
    login_attempts_per_minute: int
    login_failure_limit: int
    login_failure_window: int
    login_lock_seconds: int
    login_lock_max_seconds: int
    trusted_proxies: tuple[str, ...]
    demo_clock: bool
    smtp_url: str | None
    database_password: str | None
    db_pool_min: int
    db_pool_max: int
    # claim documents (issue 10): the largest file, and the most all files of one claim may take together
    document_max_mb: int = 10
    claim_documents_max_mb: int = 60
    # the dividend declaration run (insure.accounts.declaration_run): policies per chunk, a pause after each
    # chunk (only tests slow a run down), and how long a run may go untouched before another worker takes it
    dividend_run_chunk: int = 0  # 0: automatic (insure.accounts.declaration_run.chunk_size)
    dividend_run_pause_s: float = 0.0
    dividend_run_lease_s: float = 120.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        """``sqlite:///var/insure.sqlite3`` (relative) or ``sqlite:////abs/path`` (absolute)."""
        path = self.database_url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path
        return Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path

    @property
    def broker_is_embedded(self) -> bool:
        return self.broker_url.startswith("filesystem://")

    @property
    def broker_dir(self) -> Path:
        return self.var_dir / "broker"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping (``os.environ`` by default)."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("INSURE_ENV", "development")
    var_dir = Path(env.get("VAR_DIR", str(PROJECT_ROOT / "var")))
    if not var_dir.is_absolute():
        var_dir = PROJECT_ROOT / var_dir
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'insure.sqlite3'}"
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise SettingsError(f"DATABASE_URL must start with sqlite:// or postgres://, got {database_url!r}")
    # connections each process keeps to PostgreSQL (asyncpg pool): idle ones stay at the minimum
    pool_min = _int(env, "DB_POOL_MIN", 1, minimum=0)
    pool_max = _int(env, "DB_POOL_MAX", 5)
    if pool_min > pool_max:
        raise SettingsError(f"DB_POOL_MIN ({pool_min}) must not be larger than DB_POOL_MAX ({pool_max})")
    secret = env.get("SECRET_KEY", "")
    if not secret:
        if mode == "production":
            raise SettingsError("SECRET_KEY must be set when INSURE_ENV=production (32+ random characters)")
        secret = local_secret_key(var_dir)
    hosts = tuple(h.strip() for h in env.get("ALLOWED_HOSTS", "*").split(",") if h.strip())
    return Settings(
        env=mode,
        var_dir=var_dir,
        database_url=database_url,
        broker_url=env.get("BROKER_URL") or "filesystem://",
        redis_url=env.get("REDIS_URL") or None,
        document_dir=Path(env.get("DOCUMENT_DIR") or var_dir / "documents"),
        mail_dir=Path(env.get("MAIL_DIR") or var_dir / "mail"),
        secret_key=secret,
        payment_webhook_secret=env.get("PAYMENT_WEBHOOK_SECRET") or derived_secret(secret, "payment-webhook"),
        public_url=env.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        secure_cookies=_flag(env.get("SECURE_COOKIES")),
        allowed_hosts=hosts or ("*",),
        wkhtmltopdf=env.get("WKHTMLTOPDF") or None,
        timezone=env.get("INSURE_TIMEZONE", "Asia/Shanghai"),
        login_attempts_per_minute=_int(env, "LOGIN_RATE_LIMIT", 20),
        login_failure_limit=_int(env, "LOGIN_FAILURE_LIMIT", 10),
        login_failure_window=_int(env, "LOGIN_FAILURE_WINDOW", 900),
        login_lock_seconds=_int(env, "LOGIN_LOCK_SECONDS", 60),
        login_lock_max_seconds=_int(env, "LOGIN_LOCK_MAX_SECONDS", 3600),
        trusted_proxies=_trusted_proxies(env),
        demo_clock=_flag(env.get("DEMO_CLOCK", "0" if mode == "production" else "1")),
        smtp_url=env.get("SMTP_URL") or None,
        # the PostgreSQL password as is (no URL encoding); wins over a password inside DATABASE_URL
        database_password=env.get("DATABASE_PASSWORD") or None,
        db_pool_min=pool_min,
        db_pool_max=pool_max,
        document_max_mb=_int(env, "DOCUMENT_MAX_MB", 10),
        claim_documents_max_mb=_int(env, "CLAIM_DOCUMENTS_MAX_MB", 60),
        dividend_run_chunk=_int(env, "DIVIDEND_RUN_CHUNK", 0, minimum=0),
        dividend_run_pause_s=_seconds(env, "DIVIDEND_RUN_PAUSE_S", 0.0, minimum=0.0),
        dividend_run_lease_s=_seconds(env, "DIVIDEND_RUN_LEASE_S", 120.0, minimum=1.0),
    )


def _trusted_proxies(env: dict[str, str]) -> tuple[str, ...]:
    """Addresses (or networks) whose X-Forwarded-For/-Proto are believed (TRUSTED_PROXIES); nobody when unset.
    uvicorn's own FORWARDED_ALLOW_IPS is not read: one setting, default none."""
    raw = env.get("TRUSTED_PROXIES") or ""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _int(env: dict[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number setting of ASCII digits (at most 9 of them), at least ``minimum``; unset → the default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < minimum:
        raise SettingsError(f"{name} must be a whole number of at least {minimum}, got {raw!r}")
    return int(raw)


def _seconds(env: dict[str, str], name: str, default: float, *, minimum: float) -> float:
    """A duration in seconds (digits with at most one decimal point, e.g. ``0.5``), at least ``minimum``;
    unset → the default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    whole, _, fraction = raw.partition(".")
    if not (raw.isascii() and whole.isdigit() and (fraction == "" or fraction.isdigit()) and len(raw) <= 9):
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}")
    if float(raw) < minimum:
        raise SettingsError(f"{name} must be at least {minimum} seconds, got {raw!r}")
    return float(raw)


def local_secret_key(var_dir: Path) -> str:
    """The random key of this installation when SECRET_KEY is unset (development, tests): made once under
    VAR_DIR (mode 0600) and read by every process afterwards, so web, worker and beat share it and nobody
    can derive it from the source code (a fixed development key let anyone sign "payment succeeded")."""
    path = var_dir / SECRET_KEY_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    # written to a private temporary file, then linked into place: two processes starting together
    # cannot both win, and neither can read a half-written key
    tmp = var_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def derived_secret(secret_key: str, purpose: str) -> str:
    """A key for one purpose derived from SECRET_KEY (HMAC-SHA256): sharing it with a gateway reveals nothing
    of SECRET_KEY itself."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise SettingsError(f"{path} holds no usable key: delete it (a new one is made) or set SECRET_KEY")
    return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests start fresh processes instead of mutating them)."""
    return load_settings()
