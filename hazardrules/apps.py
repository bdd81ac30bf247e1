from django.apps import AppConfig


class HazardRulesConfig(AppConfig):
    name = "hazardrules"
    verbose_name = "重大隐患判定"
