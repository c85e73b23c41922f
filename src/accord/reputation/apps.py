from django.apps import AppConfig


class ReputationConfig(AppConfig):
    name = "accord.reputation"
    label = "reputation"
