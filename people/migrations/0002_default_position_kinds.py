"""Load the default position kinds and responsibility lists (editable afterwards)."""

from django.db import migrations

from people.choices import DEFAULT_POSITION_KINDS


def load(apps, schema_editor):
    PositionKind = apps.get_model("people", "PositionKind")
    for order, (code, name, level, text) in enumerate(DEFAULT_POSITION_KINDS):
        PositionKind.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "responsibilities": text, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
