from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "supplies"
    verbose_name = "装备物资"
