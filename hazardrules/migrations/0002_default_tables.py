"""Ship the default rule data: GB 35181-2017 (published), GB 35181-2025 (empty draft) and
the 应急管理部令第10号 catalogue. Editable afterwards by a county administrator."""

from django.db import migrations

from hazardrules import defaults


def load(apps, schema_editor):
    RuleTable = apps.get_model("hazardrules", "RuleTable")
    RuleElement = apps.get_model("hazardrules", "RuleElement")
    CompositeRule = apps.get_model("hazardrules", "CompositeRule")
    IndustryItem = apps.get_model("hazardrules", "IndustryItem")
    tables = {}
    for row in defaults.TABLES:
        fields = {k: v for k, v in row.items() if k != "code"}
        tables[row["code"]], _ = RuleTable.objects.get_or_create(code=row["code"], defaults=fields)
    gb2017 = tables[defaults.GB2017]
    for order, (code, kind, group, title, text, verification) in enumerate(defaults.GB2017_ELEMENTS):
        RuleElement.objects.get_or_create(
            table=gb2017,
            code=code,
            defaults={"kind": kind, "group": group, "group_title": title, "text": text,
                      "verification": verification, "order": order * 10},
        )
    for order, (label, categories, counted, threshold, text, verification) in enumerate(defaults.GB2017_RULES):
        CompositeRule.objects.get_or_create(
            table=gb2017,
            label=label,
            defaults={"categories": categories, "counted": counted, "threshold": threshold, "text": text,
                      "verification": verification, "order": order * 10},
        )
    for article, article_label, number, scope, industry, text, decisive, verification in defaults.MEM10_ITEMS:
        IndustryItem.objects.get_or_create(
            regulation=defaults.MEM10,
            article=article,
            number=number,
            defaults={"effective_from": defaults.MEM10_FROM, "article_label": article_label, "scope": scope,
                      "industry": industry, "text": text, "decisive": decisive, "verification": verification},
        )


class Migration(migrations.Migration):
    dependencies = [("hazardrules", "0001_rule_tables")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
