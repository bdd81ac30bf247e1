"""Loading the demo county: the checks that keep it idempotent, then every registered step."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from demo.choices import Scale
from demo.context import DemoContext
from demo.models import DemoSeed
from demo.registry import registered_steps
from jurisdictions.models import Jurisdiction
from yingji.context import acting_as_system
from yingji.scoping import unscoped

Reporter = Callable[[str], None]


class DemoSeedRefused(Exception):
    """The database holds other data (another scale, or real records): seeding would mix them."""


@dataclass
class SeedResult:
    scale: str
    created: bool
    seconds: float = 0.0
    steps: list[tuple[str, str, float]] = field(default_factory=list)  # (label, summary, seconds)
    context: DemoContext | None = None


def _ignore(_line: str) -> None:
    return None


def seed_demo(scale: str, *, report: Reporter = _ignore) -> SeedResult:
    """Load the demo county at `scale` into an empty database, or do nothing if it is loaded.

    Everything happens in one transaction, unscoped and attributed to the system actor
    "seed_demo", so a failure leaves the database as it was.
    """
    scale = Scale(scale)
    steps = registered_steps()
    with unscoped(), acting_as_system("seed_demo"), transaction.atomic():
        if not _needs_seeding(scale):
            return SeedResult(scale=scale, created=False)
        started = time.perf_counter()
        ctx = DemoContext(scale=scale)
        result = SeedResult(scale=scale, created=True, context=ctx)
        for number, step in enumerate(steps, 1):
            step_started = time.perf_counter()
            summary = step.run(ctx) or ""
            seconds = time.perf_counter() - step_started
            result.steps.append((step.label, summary, seconds))
            report(f"[{number}/{len(steps)}] {step.label}：{summary}（{seconds:.2f} 秒）")
        result.seconds = time.perf_counter() - started
        DemoSeed.objects.create(
            scale=scale,
            seconds=round(result.seconds, 3),
            summary={label: summary for label, summary, _seconds in result.steps},
        )
    return result


def _needs_seeding(scale: Scale) -> bool:
    """False when this scale is loaded already; raises when loading would mix data."""
    loaded = list(DemoSeed.objects.select_for_update().values_list("scale", flat=True))
    if scale in loaded:
        return False
    if loaded:
        other = Scale(loaded[0])
        raise DemoSeedRefused(
            f"数据库中已加载“{other.label}”规模的演示数据，不能再加载“{scale.label}”规模，两种规模不能混用。"
            f"请使用空数据库，或继续使用 --scale {other.value}。"
        )
    if Jurisdiction.unscoped.exists():
        raise DemoSeedRefused("数据库中已有辖区数据（不是本命令加载的演示数据），演示数据只能加载到空数据库。")
    return True
