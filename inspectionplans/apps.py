from django.apps import AppConfig


class InspectionPlansConfig(AppConfig):
    name = "inspectionplans"
    verbose_name = "检查计划"
