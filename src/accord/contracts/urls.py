from django.urls import path

from accord.contracts import tracking_pages, views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("propose/<int:campaign_id>/", views.propose, name="propose"),
    path("<int:contract_id>/", views.contract_detail, name="detail"),
    path("<int:contract_id>/pdf/", views.contract_pdf, name="pdf"),
    path("<int:contract_id>/time/", views.timesheets, name="timesheets"),
    path("<int:contract_id>/tracking/link/", tracking_pages.create_link, name="tracking_link"),
    path("<int:contract_id>/tracking/promo/", tracking_pages.create_promo_code, name="promo_code"),
    path(
        "<int:contract_id>/tracking/link/<int:link_id>/stop/", tracking_pages.deactivate_link, name="tracking_link_stop"
    ),
    path("<int:contract_id>/<str:action>/", views.contract_action, name="action"),
    path("milestones/<int:milestone_id>/", views.milestone_detail, name="milestone"),
    path("milestones/<int:milestone_id>/<str:action>/", views.milestone_action, name="milestone_action"),
    path("submissions/<int:submission_id>/draft/", views.submission_draft, name="draft"),
    path("timesheets/<int:timesheet_id>/<str:action>/", views.timesheet_action, name="timesheet_action"),
]
