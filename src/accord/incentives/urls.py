from django.urls import path

from accord.incentives import views

app_name = "incentives"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.dashboard_live, name="dashboard_live"),
    path("c/<int:contract_id>/", views.contract_page, name="contract"),
    path("c/<int:contract_id>/live/", views.contract_live, name="contract_live"),
    path("c/<int:contract_id>/forecast.svg", views.forecast_chart, name="forecast_svg"),
]
