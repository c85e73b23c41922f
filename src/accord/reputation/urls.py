from django.urls import path

from accord.reputation import views

app_name = "reputation"
urlpatterns = [
    path("trust/<int:org_id>/", views.trust_partial, name="trust"),
    path("rates/", views.rate_suggestions, name="rates"),
    path("rates/<int:org_id>/", views.rate_suggestions, name="creator_rates"),
]
