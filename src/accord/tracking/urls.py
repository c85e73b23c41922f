from django.urls import path

from accord.tracking import views

app_name = "tracking"

urlpatterns = [path("<str:code>", views.redirect, name="redirect")]
