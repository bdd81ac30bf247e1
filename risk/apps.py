from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = "风险分级与检查频次"
