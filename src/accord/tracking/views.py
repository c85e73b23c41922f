"""``GET /t/<code>``: record the click durably, then 302 to the destination with UTM parameters and ``accord_cid``."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from accord.core.errors import NotFound
from accord.tracking import services

COUNTRY_HEADERS = ("CF-IPCountry", "CloudFront-Viewer-Country", "X-Country-Code")


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when ACCORD_TRUST_X_FORWARDED_FOR is set (behind a proxy)."""
    if getattr(settings, "ACCORD_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR") or "")


@require_GET
def redirect(request: HttpRequest, code: str) -> HttpResponse:
    country = next((request.headers[h] for h in COUNTRY_HEADERS if request.headers.get(h)), "")
    try:
        result = services.record_click(
            code,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            referrer=request.headers.get("Referer", ""),
            country=country,
        )
    except NotFound:
        raise Http404("no such link") from None
    response = HttpResponseRedirect(result.url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer-when-downgrade"
    return response
