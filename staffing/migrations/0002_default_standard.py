"""The seed 000 ratio as the first staffing standard."""

import datetime

from django.db import migrations

COUNTED_KINDS = ("station_chief", "station_staff")


def load(apps, schema_editor):
    StaffingStandard = apps.get_model("staffing", "StaffingStandard")
    PositionKind = apps.get_model("people", "PositionKind")
    standard, created = StaffingStandard.objects.get_or_create(
        effective_from=datetime.date(2020, 1, 1),
        defaults={
            "name": "每50家工业企业、200家商贸场所、100户居住出租房配备1人以上",
            "industrial_per_staff": 50,
            "commercial_per_staff": 200,
            "rental_per_staff": 100,
            "source": "落实浙委办发〔2023〕63号的基层应急消防治理体系建设实施意见（种子文件 000）“配强基层人员力量”",
        },
    )
    if created:
        standard.counted_position_kinds.set(PositionKind.objects.filter(code__in=COUNTED_KINDS))


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_standard"), ("people", "0002_default_position_kinds")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
