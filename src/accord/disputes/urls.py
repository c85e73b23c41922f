from django.urls import path

from accord.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("open/", views.open_dispute, name="open"),
    path("stats/", views.dispute_stats, name="stats"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence_file"),
    path("<int:dispute_id>/<str:action>/", views.dispute_action, name="action"),
]
