from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = "检查清单"

    def ready(self) -> None:
        from checklists.views import place_panel_context
        from places.panels import register_place_panel

        register_place_panel(35, "checklists/_place_panel.html", place_panel_context)
