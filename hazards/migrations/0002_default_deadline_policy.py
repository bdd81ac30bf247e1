"""The global default deadline policy (our defaults; the seeds give no numbers)."""

from django.db import migrations


def create_default(apps, schema_editor):
    DeadlinePolicy = apps.get_model("hazards", "DeadlinePolicy")
    if not DeadlinePolicy.objects.filter(jurisdiction__isnull=True).exists():
        DeadlinePolicy.objects.create(
            jurisdiction=None, general_days=30, major_days=90, yellow_days=3, yellow_percent=20,
            recheck_percent=10, recheck_after_days=30,
        )


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_hazards")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
