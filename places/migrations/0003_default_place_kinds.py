"""Load the default taxonomy of place kinds with their thresholds (editable afterwards)."""

from django.db import migrations

from places.taxonomy import DEFAULT_PLACE_KINDS


def load(apps, schema_editor):
    PlaceKind = apps.get_model("places", "PlaceKind")
    for order, kind in enumerate(DEFAULT_PLACE_KINDS):
        defaults = {key: value for key, value in kind.items() if key != "code"}
        PlaceKind.objects.get_or_create(code=kind["code"], defaults={**defaults, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("places", "0002_accounts_and_photos")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
