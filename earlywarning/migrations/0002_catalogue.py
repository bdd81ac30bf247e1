"""Load the national warning catalogue (kinds, colours, recipients, level policies)."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from earlywarning import catalogue as c

    WarningKind = apps.get_model("earlywarning", "WarningKind")
    SignalColourRule = apps.get_model("earlywarning", "SignalColourRule")
    LevelPolicy = apps.get_model("earlywarning", "LevelPolicy")
    PositionKind = apps.get_model("people", "PositionKind")
    position_kinds = {k.code: k for k in PositionKind.objects.all()}
    revised = {code for code, *_ in c.REVISIONS}
    order = 0
    for code, name, cma_code, colours, watch_for, measures in c.WEATHER_SIGNALS:
        order += 10
        kind = WarningKind.objects.create(
            code=code, name=name, group="weather", cma_code=cma_code, cap_category="Met",
            default_watch_for=watch_for, default_measures=measures, sort_order=order,
        )
        kind.position_kinds.set([position_kinds[p] for p in c.WEATHER_RECIPIENTS if p in position_kinds])
        if code not in revised:
            SignalColourRule.objects.create(kind=kind, levels=colours, valid_from=c.SIGNALS_SINCE, source=c.SIGNAL_SOURCE)
    for code, name, group, category, recipients, watch_for, measures in c.OTHER_KINDS:
        order += 10
        kind = WarningKind.objects.create(
            code=code, name=name, group=group, cap_category=category,
            default_watch_for=watch_for, default_measures=measures, sort_order=order,
        )
        kind.position_kinds.set([position_kinds[p] for p in recipients if p in position_kinds])
        SignalColourRule.objects.create(kind=kind, levels=c.ALL, valid_from=c.LAW_SINCE, source=c.LAW_SOURCE)
    for code, colours, since, until in c.REVISIONS:
        SignalColourRule.objects.create(
            kind=WarningKind.objects.get(code=code), levels=colours, valid_from=since, valid_until=until,
            source=c.SIGNAL_SOURCE if until else "中国气象局预报与网络司 2013-01-28 霾预警信号修订",
        )
    for level, policy in c.DEFAULT_LEVEL_POLICIES.items():
        LevelPolicy.objects.create(level=level, policy_code=policy)


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("earlywarning", "LevelPolicy").objects.all().delete()
    apps.get_model("earlywarning", "WarningKind").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("earlywarning", "0001_initial"),
        ("people", "0002_default_position_kinds"),
    ]

    operations = [migrations.RunPython(load, unload)]
