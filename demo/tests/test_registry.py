"""The demo step registry: later features add their own records through `demo_data.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import registry
from demo.context import DemoContext
from demo.registry import demo_step, registered_steps


@pytest.fixture
def restore_registry() -> Iterator[None]:
    saved = dict(registry._steps)
    yield
    registry._steps.clear()
    registry._steps.update(saved)


def test_a_feature_step_runs_after_the_foundation_in_its_order(restore_registry: None) -> None:
    @demo_step(order=450, label="单位场所")
    def seed_places(ctx: DemoContext) -> str:
        return "0 个场所"

    @demo_step(order=150, label="更早的步骤")
    def seed_early(ctx: DemoContext) -> str:
        return ""

    orders = [(step.order, step.label) for step in registered_steps()]
    assert orders == sorted(orders)
    assert (450, "单位场所") in orders and (150, "更早的步骤") in orders


def test_registering_the_same_function_twice_keeps_one_step(restore_registry: None) -> None:
    def seed_twice(ctx: DemoContext) -> None:
        return None

    demo_step(order=500, label="一")(seed_twice)
    demo_step(order=500, label="一")(seed_twice)
    assert sum(1 for step in registered_steps() if step.run is seed_twice) == 1


def test_each_purpose_gets_its_own_repeatable_generator() -> None:
    ctx = DemoContext(scale="small")
    assert ctx.rng("places").random() == DemoContext(scale="small").rng("places").random()
    assert ctx.rng("places").random() != ctx.rng("teams").random()
    assert ctx.rng("places").random() != DemoContext(scale="county").rng("places").random()
