from django.urls import path

from accord.payouts import views

app_name = "payouts"
urlpatterns = [
    path("", views.earnings, name="earnings"),
    path("methods/", views.methods, name="methods"),
    path("methods/<int:method_id>/default/", views.method_default, name="method_default"),
    path("methods/<int:method_id>/remove/", views.method_remove, name="method_remove"),
    path("schedule/", views.schedule, name="schedule"),
    path("request/", views.request_payout, name="request"),
    path("history/", views.history, name="history"),
    path("history/<int:payout_id>/", views.payout_detail, name="payout"),
    path("statements/", views.statement, name="statements"),
    path("brand/", views.brand_payouts, name="brand"),
    path("operator/", views.runs, name="runs"),
    path("operator/run/", views.run_now, name="run_now"),
    path("operator/runs/<int:run_id>/", views.run_detail, name="run"),
    path("operator/files/<int:file_id>/", views.file_download, name="file"),
    path("operator/files/<int:file_id>/paid/", views.file_paid, name="file_paid"),
    path("operator/payouts/<int:payout_id>/<str:outcome>/", views.payout_mark, name="payout_mark"),
    path("operator/ledger/", views.ledger_status, name="ledger"),
]
