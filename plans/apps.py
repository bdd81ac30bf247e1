from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "预案、演练与培训"
