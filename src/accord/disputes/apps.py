from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "accord.disputes"
    label = "disputes"
