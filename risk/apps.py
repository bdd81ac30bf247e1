from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = "风险分级与检查频次"

    def ready(self) -> None:
        from django.db.models.signals import post_save, pre_save

        from places.models import Place
        from risk import receivers

        pre_save.connect(receivers.remember_graded_fields, sender=Place, dispatch_uid="risk.remember_graded_fields")
        post_save.connect(receivers.regrade_changed_place, sender=Place, dispatch_uid="risk.regrade_changed_place")
        self._register_place_panel()

    @staticmethod
    def _register_place_panel() -> None:
        """Show the risk panel on the place page, if the places app offers panels."""
        try:
            from places.panels import register_place_panel  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return
        from risk.panel import place_panel_context

        register_place_panel(400, "risk/_place_panel.html", place_panel_context)
