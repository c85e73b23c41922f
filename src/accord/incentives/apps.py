from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "accord.incentives"
    label = "incentives"

    def ready(self) -> None:
        from accord.incentives import triggers

        triggers.connect()
