"""OpenAPI schema and API documentation settings for the Insure web service.

The interactive documentation is rendered by Swagger UI from assets vendored
under ``insure/static/vendor/swagger-ui`` (see the README there), so the docs
work on a closed network: nothing in the page is fetched from another site.

The app mounts ``insure/static`` at ``/static``; with the settings below the
docs are served at ``/schema/swagger`` (and at ``/schema``, because Swagger is
the only UI plugin) and the schema document at ``/schema/openapi.json``.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from insure.web.headers import NoncedSwaggerRenderPlugin

__all__ = (
    "BEARER_SCHEME",
    "BEARER_SECURITY",
    "DOCS_PATH",
    "OPENAPI_JSON_PATH",
    "SCHEMA_PATH",
    "openapi_config",
)

SCHEMA_PATH = "/schema"
DOCS_PATH = f"{SCHEMA_PATH}/swagger"
OPENAPI_JSON_PATH = f"{SCHEMA_PATH}/openapi.json"

#: Name of the security scheme component; reference it from a route handler with
#: ``security=BEARER_SECURITY`` (or ``[{"BearerToken": []}]``).
BEARER_SCHEME = "BearerToken"
BEARER_SECURITY: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}]

# Keep in step with insure/static/vendor/README.md. The version is appended as a
# query string so browsers drop cached copies when the assets are refreshed.
SWAGGER_UI_VERSION = "5.35.0"
_SWAGGER_ASSETS = "/static/vendor/swagger-ui"

_DESCRIPTION = """\
The Insure API lets partner platforms and agents quote and buy insurance policies \
for their customers, and file and follow claims against those policies.

**Authentication.** Exchange your credentials for an access token with \
`POST /api/v1/auth/token`, then send it on every other request as \
`Authorization: Bearer <token>` (use the *Authorize* button on this page to try it).

**Errors.** Failed requests answer with an RFC 9457 problem details document \
(`application/problem+json`). Besides `type`, `title`, `status` and `detail`, each one \
carries a stable, machine-readable `code`, and an `errors` list that names the \
offending field of each validation problem. Branch on `code`, not on the wording \
of `title` or `detail`.
"""

# A small shield drawn here, inlined as a data: URL so that no favicon is
# fetched from the internet (Litestar's default links one on a CDN).
_FAVICON_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
    "<path d='M16 2 4 6.5v8.2C4 22.3 9.1 28 16 30c6.9-2 12-7.7 12-15.3V6.5Z' fill='#1d4f91'/>"
    "<path d='m10.5 16.2 3.8 3.8 7.4-7.6' fill='none' stroke='#fff' stroke-width='3'"
    " stroke-linecap='round' stroke-linejoin='round'/>"
    "</svg>"
)
_FAVICON_HREF = "data:image/svg+xml," + quote(_FAVICON_SVG, safe="")
FAVICON_LINK = f'<link rel="icon" type="image/svg+xml" href="{_FAVICON_HREF}">'


def _asset(name: str) -> str:
    return f"{_SWAGGER_ASSETS}/{name}?v={SWAGGER_UI_VERSION}"


def openapi_config() -> OpenAPIConfig:
    """Build the OpenAPI configuration passed to ``Litestar(openapi_config=...)``."""
    return OpenAPIConfig(
        title="Insure API",
        version="1.0.0",
        description=_DESCRIPTION,
        path=SCHEMA_PATH,
        render_plugins=[
            NoncedSwaggerRenderPlugin(  # its inline start-up script runs under the CSP by a nonce
                path="/swagger",
                js_url=_asset("swagger-ui-bundle.js"),
                css_url=_asset("swagger-ui.css"),
                # The plugin always emits a <script> for the standalone preset,
                # so it is vendored too: left unset it would point at a CDN.
                standalone_preset_js_url=_asset("swagger-ui-standalone-preset.js"),
                favicon=FAVICON_LINK,
            ),
            JsonRenderPlugin(path="/openapi.json"),
        ],
        components=Components(
            security_schemes={
                BEARER_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="Access token from `POST /api/v1/auth/token`, sent as `Authorization: Bearer <token>`.",
                ),
            },
        ),
    )
