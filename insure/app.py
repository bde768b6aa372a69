"""create_app(): routes, middleware, templates, sessions, CSRF and the error → problem-details map."""

from __future__ import annotations

import logging
from pathlib import Path

from litestar import Litestar, Request
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.template.config import TemplateConfig

from claims.api import ClaimsController
from claims.backtest_web import BacktestController, BacktestPages
from claims.beneficiary_web import BeneficiaryClaimPages, BeneficiaryClaimsController
from claims.document_pages import documents_router
from claims.letter_api import ClaimLetterController, ClaimLetterPages
from claims.my_claims import MyClaimsPages
from claims.pages import ClaimPages
from claims.workbench_api import WorkbenchController
from claims.workbench_pages import WorkbenchPages
from insure import db, outbox
from insure.accounts.routes import ROUTES as ACCOUNT_ROUTES
from insure.admin_api import AdminController
from insure.applications.api import ApplicationsController
from insure.applications.pages import ApplicationPages
from insure.auth.api import AuthController
from insure.auth.pages import AuthPages
from insure.health import HealthController
from insure.openapi import StrictStructSchemaPlugin, openapi_config
from insure.payments.api import PaymentsController
from insure.policies.api import PoliciesController
from insure.policies.pages import PolicyPages
from insure.policies.reinstatement_review import ReinstatementReviewController, ReinstatementReviewPages
from insure.policies.servicing_pages import ServicingPages
from insure.settings import get_settings
from insure.staff_pages import StaffPages
from insure.templating import environment
from insure.web.allow import allow_middleware
from insure.web.context import context_middleware
from insure.web.headers import security_headers_middleware
from insure.web.input_limits import check_request_body
from insure.web.problems import EXCEPTION_HANDLERS
from insure.web.sessions import SafeSessionConfig
from products import services as products
from products.api import ProductsController
from products.pages import ProductPages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
SESSION_MAX_AGE = 8 * 3600


THROTTLED = {"/login", "/signup", "/api/v1/auth/token", "/api/v1/auth/register"}


def _stores() -> dict[str, Store]:
    """Sessions and rate-limit counters: in Redis when configured (shared by every web process), else local."""
    settings = get_settings()
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace="insure")
        return {"sessions": root.with_namespace("sessions"), "rate_limit": root.with_namespace("rate-limit")}
    from litestar.stores.file import FileStore
    from litestar.stores.memory import MemoryStore

    return {
        "sessions": FileStore(path=settings.var_dir / "sessions", create_directories=True),
        "rate_limit": MemoryStore(),
    }


def _is_credential_attempt(request: Request) -> bool:
    return request.method == "POST" and request.url.path in THROTTLED


async def _relay_after_write(request: Request) -> None:
    """Publish outbox rows right after a write so workers start at once; the beat relay is the safety net."""
    if outbox.wrote_messages():
        try:
            await outbox.relay_pending()
        except Exception:  # the broker or DB hiccuped: the beat relay will publish these rows later
            log.warning("immediate outbox relay failed; leaving rows for the beat relay", exc_info=True)


async def _startup() -> None:
    products.catalog()  # a broken catalog file stops start-up here, naming the file and field
    await db.start_pool_patiently()  # a database restarting or briefly full is waited for, then a clear error


def create_app() -> Litestar:
    settings = get_settings()
    session = SafeSessionConfig(
        key="insure_session",
        store="sessions",
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        exclude=["^/api/", "^/health$", "^/ready$", "^/static/", "^/schema"],
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="insure_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        cookie_httponly=False,
        exclude=["^/api/", "^/schema", "^/health$", "^/ready$"],
    )
    # password guessing and sign-up floods: a per-client budget on the credential endpoints only
    throttle = RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_minute), check_throttle_handler=_is_credential_attempt
    )
    allowed = None
    if settings.allowed_hosts != ("*",):
        allowed = AllowedHostsConfig(allowed_hosts=list(settings.allowed_hosts), exclude=["^/health$"])
    return Litestar(
        route_handlers=[
            HealthController,
            *ACCOUNT_ROUTES,
            AdminController,
            ApplicationsController,
            AuthController,
            ProductsController,
            PoliciesController,
            ReinstatementReviewController,
            PaymentsController,
            ClaimsController,
            ClaimLetterController,
            BacktestController,
            BeneficiaryClaimsController,
            WorkbenchController,
            AuthPages,
            ProductPages,
            PolicyPages,
            ReinstatementReviewPages,
            ServicingPages,
            ApplicationPages,
            ClaimPages,
            ClaimLetterPages,
            BeneficiaryClaimPages,
            MyClaimsPages,
            BacktestPages,
            documents_router(),  # claim documents, API and pages, with the upload body limit (issue 10, H2)
            WorkbenchPages,
            StaffPages,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        middleware=[
            security_headers_middleware,
            allow_middleware,
            throttle.middleware,
            session.middleware,
            context_middleware,
        ],
        stores=_stores(),
        csrf_config=csrf,
        allowed_hosts=allowed,
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment())),
        openapi_config=openapi_config(),
        plugins=[StrictStructSchemaPlugin()],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=check_request_body,  # JSON depth and form text rules, before any body is decoded
        after_response=_relay_after_write,
        on_startup=[_startup],
        on_shutdown=[db.close_pool],
        request_max_body_size=1024 * 1024,  # larger bodies: 413
    )
