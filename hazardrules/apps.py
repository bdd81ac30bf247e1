from django.apps import AppConfig


class HazardRulesConfig(AppConfig):
    name = "hazardrules"
    verbose_name = "重大隐患判定"

    def ready(self) -> None:
        from hazardrules.views import place_panel_context
        from places.panels import register_place_panel

        register_place_panel(65, "hazardrules/_place_panel.html", place_panel_context)
