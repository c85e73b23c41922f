from django.apps import AppConfig


class EscrowConfig(AppConfig):
    name = "accord.escrow"
    label = "escrow"
