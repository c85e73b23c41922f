from django.urls import path

from accord.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/<int:campaign_id>/", views.campaign_matches, name="campaign"),
    path("shortlists/add/", views.shortlist_add, name="shortlist_add"),
    path("shortlists/<int:shortlist_id>/", views.shortlist_detail, name="shortlist"),
    path("shortlists/<int:shortlist_id>/remove/<int:creator_id>/", views.shortlist_remove, name="shortlist_remove"),
]
