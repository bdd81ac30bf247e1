from django.apps import AppConfig


class PublicReportsConfig(AppConfig):
    name = "publicreports"
    verbose_name = "群众举报"
