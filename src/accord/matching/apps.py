from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "accord.matching"
    label = "matching"
