from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "检查记录"

    def ready(self) -> None:
        from inspections.views import place_panel_context
        from places.panels import register_place_panel

        register_place_panel(30, "inspections/_place_panel.html", place_panel_context)
