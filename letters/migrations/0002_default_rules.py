"""Seed 000: every place signs all three letters each year, until a county narrows it."""

from django.db import migrations


def load(apps, schema_editor):
    LetterRule = apps.get_model("letters", "LetterRule")
    for kind in ("safety", "fire", "flood"):
        LetterRule.objects.get_or_create(kind=kind, defaults={"categories": [], "active": True})


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_letters")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
