"""Load the county-wide default checklists (version 1, active); editable afterwards by new versions."""

from django.db import migrations

from checklists.defaults import DEFAULT_CHECKLISTS, EFFECTIVE_FROM

HEADER_KEYS = ("name", "place_kinds", "place_category", "industry", "is_generic", "source_note")


def load(apps, schema_editor):
    Checklist = apps.get_model("checklists", "Checklist")
    ChecklistItem = apps.get_model("checklists", "ChecklistItem")
    for spec in DEFAULT_CHECKLISTS:
        if Checklist.objects.filter(lineage=spec["lineage"]).exists():
            continue
        header = {key: spec[key] for key in HEADER_KEYS if key in spec}
        checklist = Checklist.objects.create(
            lineage=spec["lineage"],
            version=1,
            status="active",
            effective_from=EFFECTIVE_FROM,
            jurisdiction_path="",
            **header,
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(checklist=checklist, order=order, **values) for order, values in enumerate(spec["items"], start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
