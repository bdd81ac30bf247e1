from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = "隐患排查治理"

    def ready(self) -> None:
        from hazards.ledgers import HAZARD_IMPORT_LEDGER, HazardImporter
        from hazards.views import place_panel_context
        from places.panels import register_place_panel
        from yingji.ledgers import background

        # Large hazard ledgers are checked and imported by the worker, like the place ledger.
        background.register("hazards", HAZARD_IMPORT_LEDGER, HazardImporter)

        # After the place's own sections and the risk panel's neighbours, before letters.
        register_place_panel(30, "hazards/_place_panel.html", place_panel_context)
