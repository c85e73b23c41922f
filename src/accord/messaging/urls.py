from django.urls import path

from accord.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.thread_list, name="threads"),
    path("<int:thread_id>/", views.thread_detail, name="thread"),
    path("<int:thread_id>/poll/", views.thread_poll, name="poll"),
    path("s/<str:subject>/", views.thread_by_subject, name="thread_by_subject"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("preferences/", views.preferences, name="preferences"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook_detail, name="webhook"),
    path("webhooks/deliveries/<int:delivery_id>/redeliver/", views.webhook_redeliver, name="redeliver"),
]
