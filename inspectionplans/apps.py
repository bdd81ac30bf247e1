from django.apps import AppConfig


class InspectionPlansConfig(AppConfig):
    name = "inspectionplans"
    verbose_name = "检查计划"

    def ready(self) -> None:
        from inspectionplans.panel import place_panel_context
        from places.panels import register_place_panel

        register_place_panel(32, "inspectionplans/_place_panel.html", place_panel_context)
