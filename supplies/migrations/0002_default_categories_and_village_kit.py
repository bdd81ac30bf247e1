"""Load the default supply categories and the seed-000 village kit “3+4+X” (editable afterwards)."""

from django.db import migrations

from supplies.choices import DEFAULT_CATEGORIES
from supplies.kits_default import KIT_CODE, KIT_ITEMS, KIT_NAME, KIT_SOURCE


def load(apps, schema_editor):
    SupplyCategory = apps.get_model("supplies", "SupplyCategory")
    KitTemplate = apps.get_model("supplies", "KitTemplate")
    KitTemplateItem = apps.get_model("supplies", "KitTemplateItem")
    categories = {}
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES):
        categories[code], _ = SupplyCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    template, created = KitTemplate.objects.get_or_create(
        code=KIT_CODE, defaults={"name": KIT_NAME, "level": "village", "source": KIT_SOURCE}
    )
    if not created:
        return
    for order, (group, name, code, category, keywords, required, expiry) in enumerate(KIT_ITEMS):
        KitTemplateItem.objects.create(
            template=template,
            group=group,
            name=name,
            item_code=code,
            category=categories[category],
            keywords=keywords,
            required_quantity=required,
            expiry_matters=expiry,
            sort_order=order * 10,
        )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
