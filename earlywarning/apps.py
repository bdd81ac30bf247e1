from django.apps import AppConfig


class EarlywarningConfig(AppConfig):
    name = "earlywarning"
    verbose_name = "预警"
