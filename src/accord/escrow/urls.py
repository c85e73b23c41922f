from django.urls import path

from accord.escrow import views

app_name = "escrow"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:campaign_id>/", views.campaign_escrow, name="campaign"),
    path("campaigns/<int:campaign_id>/fund/", views.fund, name="fund"),
    path("balances/", views.balances, name="balances"),
    path("operator/deposits/", views.operator_deposits, name="operator_deposits"),
    path("operator/deposits/<int:deposit_id>/confirm/", views.operator_confirm, name="operator_confirm"),
]
