"""Load the starting capability vocabulary and the default standards (editable afterwards)."""

from typing import Any

from django.db import migrations


def load_defaults(apps: Any, schema_editor: Any) -> None:
    from teams.choices import DEFAULT_CAPABILITIES, DEFAULT_STANDARDS

    capability = apps.get_model("teams", "TeamCapability")
    for order, (code, name) in enumerate(DEFAULT_CAPABILITIES):
        capability.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    standard = apps.get_model("teams", "TeamStandard")
    for spec in DEFAULT_STANDARDS:
        fields = {k: (str(v) if k == "kind" else v) for k, v in spec.items()}
        fields["required_vehicles"] = [{"kind": str(v["kind"]), "count": v["count"]} for v in spec["required_vehicles"]]
        kind = fields.pop("kind")
        standard.objects.get_or_create(kind=kind, defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
