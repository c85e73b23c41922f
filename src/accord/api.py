"""The JSON API: one NinjaAPI under /api/v1/, one router per app, one error format, one way to authenticate."""

from __future__ import annotations

import importlib
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from accord.accounts.auth import Principal, authenticate_key, principal_for_key, principal_for_user
from accord.core.errors import DomainError, error_body

# Apps whose ``api.py`` exposes ``router`` (and optionally ``PREFIX``); mounted in this order.
ROUTED_APPS = [
    "accounts",
    "creators",
    "campaigns",
    "matching",
    "contracts",
    "ledger",
    "escrow",
    "tracking",
    "incentives",
    "payouts",
    "disputes",
    "messaging",
    "reputation",
]


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        key = authenticate_key(token)
        return principal_for_key(key) if key is not None else None


class SessionAuth(APIKeyCookie):
    """The web app's session; CSRF is enforced on unsafe methods by the base class."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        principal = principal_for_user(request, user)
        if principal is None:
            raise DomainError("you belong to no organization yet", code="no_organization", status=403)
        return principal


api = NinjaAPI(
    title="Accord API",
    version="1",
    description='Influencer marketing with escrow. Errors: {"error": {"code", "message", "fields"}}.',
    urls_namespace="api",
    auth=[ApiKeyAuth(), SessionAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _json(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _json(request, exc.as_dict(), exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, Any] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "header")]
        fields[".".join(loc) or "request"] = err.get("msg", "invalid")
    return _json(request, error_body("validation_error", "the request is not valid", fields), 422)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _json(request, error_body("unauthenticated", "sign in or send a valid API key"), 401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {
        400: "bad_request",
        401: "unauthenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
    }.get(exc.status_code, "error")
    return _json(request, error_body(code, str(exc)), exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, error_body("not_found", "not found"), 404)


for _app in ROUTED_APPS:
    try:
        _module = importlib.import_module(f"accord.{_app}.api")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"accord.{_app}.api":
            raise
        continue
    api.add_router(getattr(_module, "PREFIX", ""), _module.router)


def openapi_json(request: HttpRequest) -> HttpResponse:
    """The schema at the documented address /api/openapi.json (ninja serves it under /api/v1/ too)."""
    from django.http import JsonResponse

    return JsonResponse(api.get_openapi_schema(path_prefix="/api/v1/"))
