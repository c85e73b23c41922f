from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "accord.payouts"
    label = "payouts"
