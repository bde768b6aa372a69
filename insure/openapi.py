"""OpenAPI schema and API documentation settings for the Insure web service.

The interactive documentation is rendered by Swagger UI from assets vendored
under ``insure/static/vendor/swagger-ui`` (see the README there), so the docs
work on a closed network: nothing in the page is fetched from another site.

The app mounts ``insure/static`` at ``/static``; with the settings below the
docs are served at ``/schema/swagger`` (and at ``/schema``, because Swagger is
the only UI plugin) and the schema document at ``/schema/openapi.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

if TYPE_CHECKING:
    from litestar import Litestar, Request
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition

from insure.web.headers import NoncedSwaggerRenderPlugin

__all__ = (
    "BEARER_SCHEME",
    "BEARER_SECURITY",
    "DOCS_PATH",
    "OPENAPI_JSON_PATH",
    "PROBLEM_JSON",
    "SCHEMA_PATH",
    "Problem",
    "StrictStructSchemaPlugin",
    "complete_document",
    "openapi_config",
    "problems",
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


PROBLEM_JSON = "application/problem+json"


class ProblemFieldError(msgspec.Struct):
    """One invalid field of a request: which one, a stable code, and a message in the request's language."""

    field: str
    code: str
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem details document: every failed API request answers with one."""

    type: str
    title: str
    status: int
    code: str
    instance: str | None = None
    detail: str | None = None
    errors: list[ProblemFieldError] | None = None


# The error responses, as documented. Which ones an operation gives is decided in two places only:
# ``complete_document`` adds those that follow from the operation's shape (a token, a path parameter, a body),
# and a route handler names the others (``responses=problems(403, 409)``) beside the code that raises them.
_PROBLEMS: dict[int, str] = {
    400: "Malformed request (`malformed_request`): the body is not JSON (or nested too deeply), or a parameter "
    "or header cannot be read; `errors` names each one.",
    401: "Not signed in (`not_authenticated`, `invalid_credentials`): the bearer token is missing, unknown or expired.",
    403: "Forbidden (`forbidden` and more specific codes): the account's role or authority does not allow this.",
    404: "Not found (`not_found`): no such object, or it belongs to someone else.",
    409: "Conflict: the object's current state does not allow this (the `code` says why).",
    413: "Payload too large (`payload_too_large`): the body is over 1 MiB.",
    422: "Invalid fields (`validation_failed` and specific codes): `errors` names each field and why.",
    429: "Too many requests (`too_many_requests`): slow down and try again later.",
    503: "Not ready (`not_ready`): a service this process needs is unreachable; `errors` names it.",
}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. Branch on `code` (stable); `title` and `detail` are for people.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "description": "`urn:insure:problem:<code>`"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "Stable, machine-readable error code."},
        "instance": {"type": "string", "description": "The request path."},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
    },
}
_FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One invalid field: which one (or `body`, a header, a parameter), a stable code, a message.",
    "required": ["field", "code", "message"],
    "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
}

# An HTTP date (RFC 9110 IMF-fixdate), as in Last-Modified: not JSON Schema's ISO 8601 `date-time`.
HTTP_DATE_PATTERN = (
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$"
)
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The error responses a route handler gives beyond those that follow from its shape (see
    ``complete_document``): pass as ``responses=problems(403, 409)``."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=_PROBLEMS[status], media_type=PROBLEM_JSON, generate_examples=False
        )
        for status in statuses
    }


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _PROBLEMS.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    return response


def role_guarded(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every operation behind a role guard (``insure.web.guards.role``): they answer 403."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                guards = [getattr(guard, "func", guard) for guard in handler.resolve_guards()]  # unwrap AsyncCallable
                if any(getattr(guard, "roles", None) for guard in guards):
                    found |= {(method.lower(), route.path_format) for method in handler.http_methods}
    return found


def _shape_statuses(op: dict[str, Any], guarded: bool) -> set[int]:
    """The error statuses any operation of this shape can answer with."""
    params = op.get("parameters") or []
    statuses = {403} if guarded else set()
    if params or "requestBody" in op:
        statuses.add(400)  # a parameter or the body that cannot be read
    if "requestBody" in op:
        statuses |= {413, 422}  # too large; read but refused by the service's validation
    if op.get("security"):
        statuses.add(401)
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)  # the path names an object, which may not exist or be someone else's
    return statuses


def _fix_headers(response: dict[str, Any]) -> None:
    for name, header in (response.get("headers") or {}).items():
        if name.lower() == "last-modified":
            header["schema"] = {"type": "string", "pattern": HTTP_DATE_PATTERN}
            header["description"] = "When the file last changed, as an HTTP date (RFC 9110)."


def _fix_content(response: dict[str, Any]) -> None:
    for media_type, body in (response.get("content") or {}).items():
        if media_type == "application/pdf":
            body["schema"] = {"type": "string", "contentMediaType": "application/pdf"}


def complete_document(doc: dict[str, Any], guarded: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Make the generated OpenAPI document say what the server really answers (in place, idempotent).

    Every error is a problem details document (`application/problem+json`), never Litestar's default
    `{status_code, detail, extra}`; each operation lists the errors its shape implies (400 for parameters and
    bodies, 401 with a bearer token, 403 behind a role guard (``guarded``: see ``role_guarded``), 404 with an
    object in the path, 413/422 with a body) besides the ones its handler names with ``problems()``. Response
    headers and file bodies get their true types.
    """
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(Problem=_PROBLEM_SCHEMA, ProblemFieldError=_FIELD_ERROR_SCHEMA)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            for status in _shape_statuses(op, (method, path) in (guarded or set())):
                responses.setdefault(str(status), {})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    responses[status] = {**response, **_problem_response(int(status))}
                else:
                    _fix_headers(response)
                    _fix_content(response)
    return doc


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's schema of a msgspec Struct, plus `additionalProperties: false` when the Struct refuses unknown
    fields (``forbid_unknown_fields=True``): the document then says what the server does with them (422)."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if msgspec.inspect.type_info(field_definition.type_).forbid_unknown_fields:  # type: ignore[union-attr]
            schema.additional_properties = False
        return schema


class _CompletedDocument:
    """A render plugin mixin: render the completed document (the docs page and the JSON alike)."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, complete_document(openapi_schema, role_guarded(request.app)))  # type: ignore[misc]


class _JsonPlugin(_CompletedDocument, JsonRenderPlugin):
    pass


class _SwaggerPlugin(_CompletedDocument, NoncedSwaggerRenderPlugin):
    pass


def openapi_config() -> OpenAPIConfig:
    """Build the OpenAPI configuration passed to ``Litestar(openapi_config=...)``."""
    return OpenAPIConfig(
        title="Insure API",
        version="1.0.0",
        description=_DESCRIPTION,
        path=SCHEMA_PATH,
        render_plugins=[
            _SwaggerPlugin(  # its inline start-up script runs under the CSP by a nonce
                path="/swagger",
                js_url=_asset("swagger-ui-bundle.js"),
                css_url=_asset("swagger-ui.css"),
                # The plugin always emits a <script> for the standalone preset,
                # so it is vendored too: left unset it would point at a CDN.
                standalone_preset_js_url=_asset("swagger-ui-standalone-preset.js"),
                favicon=FAVICON_LINK,
            ),
            _JsonPlugin(path="/openapi.json"),
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
