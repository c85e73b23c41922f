from django.urls import path

from accord.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/performance/", views.performance, name="performance"),
    path("console/audit/", views.audit_log, name="audit"),
    path("console/ledger/", views.ledger_status, name="ledger"),
    path("console/flags/<int:flag_id>/clear/", views.clear_flag, name="clear_flag"),
    path("switch/<int:org_id>/", views.switch_organization, name="switch"),
]
