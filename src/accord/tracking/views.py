"""``GET /t/<code>`` through Django (test client, ``runserver``): the click is stored before the 302 is answered.

Production serves ``/t/`` from ``accord.tracking.redirect`` in front of Django (click log + loader); both store
clicks through ``accord.tracking.clickstore``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from accord.core.errors import NotFound
from accord.tracking import services
from accord.tracking.redirect import client_ip, country


@require_GET
def redirect(request: HttpRequest, code: str) -> HttpResponse:
    try:
        result = services.record_click(
            code,
            ip=client_ip(request.META),
            user_agent=request.headers.get("User-Agent", ""),
            referrer=request.headers.get("Referer", ""),
            country=country(request.META),
        )
    except NotFound:
        raise Http404("no such link") from None
    response = HttpResponseRedirect(result.url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer-when-downgrade"
    return response
