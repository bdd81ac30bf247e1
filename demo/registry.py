"""The demo step registry: each app contributes its demo records from a `demo_data.py`.

An app adds records to both scales by writing, in ``<app>/demo_data.py``::

    from demo.registry import demo_step

    @demo_step(order=400, label="单位场所")
    def seed_places(ctx: DemoContext) -> str:
        ...  # use ctx.scale, ctx.rng("places"), ctx.nodes(Level.GRID), ctx.holders(...)
        return "1200 个场所"

Steps run in `order` (then name) inside one transaction; the foundation uses 100
(jurisdictions), 200 (people and positions) and 300 (accounts). Leave gaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from demo.context import DemoContext

StepFunction = Callable[["DemoContext"], str | None]


@dataclass(frozen=True)
class DemoStep:
    """A registered step: `run` returns a one-line summary for the progress output."""

    order: int
    name: str
    label: str
    run: StepFunction


_steps: dict[str, DemoStep] = {}


def demo_step(*, order: int, label: str) -> Callable[[StepFunction], StepFunction]:
    """Register a function as a demo step (re-importing a module registers it once)."""

    def register(func: StepFunction) -> StepFunction:
        name = f"{func.__module__}.{func.__qualname__}"
        _steps[name] = DemoStep(order=order, name=name, label=label, run=func)
        return func

    return register


def registered_steps() -> list[DemoStep]:
    """Every app's steps, found by importing each installed app's `demo_data` module."""
    autodiscover_modules("demo_data")
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))
