"""Demo step: the jurisdiction tree of the demo county, with tiled boundaries."""

from __future__ import annotations

from demo.context import DemoContext
from demo.plan import plan_county
from demo.registry import demo_step
from jurisdictions.choices import LEVEL_ORDER, Level
from jurisdictions.models import Jurisdiction

BATCH_SIZE = 500


@demo_step(order=100, label="辖区与边界")
def seed_jurisdictions(ctx: DemoContext) -> str:
    """Insert the planned tree level by level, so every parent has its key before its children."""
    ctx.plan = plan_county(ctx.scale)
    for level in LEVEL_ORDER:
        rows = []
        for planned in ctx.plan.by_level(level):
            node = Jurisdiction(
                code=planned.code,
                name=planned.name,
                level=planned.level,
                kind=planned.kind,
                parent=ctx.nodes_by_code[planned.parent_code] if planned.parent_code else None,
                sort_order=planned.sort_order,
                population=planned.population,
                boundary=planned.boundary,
            )
            node.refresh_derived()  # bulk_create skips save(): path, depth, bbox, centroid
            rows.append(node)
        Jurisdiction.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        ctx.nodes_by_code.update((node.code, node) for node in rows)
    counts = {level: len(ctx.nodes(level)) for level in LEVEL_ORDER}
    return (
        f"{counts[Level.COUNTY]} 个县、{counts[Level.TOWNSHIP]} 个乡镇（街道）、"
        f"{counts[Level.VILLAGE]} 个村（社区）、{counts[Level.GRID]} 个网格"
    )
