from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "单位场所"

    def ready(self) -> None:
        from places.ledgers import BACKGROUND_THRESHOLD, PLACES_LEDGER, PlacesImporter
        from yingji.ledgers import background

        background.register("places", PLACES_LEDGER, PlacesImporter, threshold=BACKGROUND_THRESHOLD)
