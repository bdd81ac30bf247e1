from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "责任状"

    def ready(self) -> None:
        from letters.views import place_panel_context
        from places.panels import register_place_panel

        register_place_panel(40, "letters/_place_panel.html", place_panel_context)
