from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accord.api import api, openapi_json
from accord.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/openapi.json", openapi_json, name="openapi"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("accord.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("t/", include("accord.tracking.urls")),
    path("messages/", include("accord.messaging.urls")),
    path("discover/", include("accord.matching.urls")),
    path("campaigns/", include("accord.campaigns.urls")),
    path("contracts/", include("accord.contracts.urls")),
    path("incentives/", include("accord.incentives.urls")),
    path("disputes/", include("accord.disputes.urls")),
    path("reputation/", include("accord.reputation.urls")),
    path("escrow/", include("accord.escrow.urls")),
    path("payouts/", include("accord.payouts.urls")),
    path("", include("accord.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
