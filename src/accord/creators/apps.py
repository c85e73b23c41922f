from django.apps import AppConfig


class CreatorsConfig(AppConfig):
    name = "accord.creators"
    label = "creators"
