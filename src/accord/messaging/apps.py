from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "accord.messaging"
    label = "messaging"
