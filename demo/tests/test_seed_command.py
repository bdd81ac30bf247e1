"""Running `seed_demo` again: idempotent for the same scale, refusing to mix scales or data."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from demo.models import DemoSeed
from demo.registry import registered_steps
from jurisdictions.models import Jurisdiction
from people.models import Person, Position

pytestmark = pytest.mark.django_db


def row_counts() -> tuple[int, int, int]:
    return Jurisdiction.unscoped.count(), Person.unscoped.count(), Position.unscoped.count()


def test_seeding_the_same_scale_again_says_so_and_changes_nothing() -> None:
    before = row_counts()
    out = StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    assert "已经加载过" in out.getvalue()
    assert row_counts() == before


def test_seeding_the_other_scale_is_refused_with_a_chinese_message() -> None:
    before = row_counts()
    with pytest.raises(CommandError, match="不能混用"):
        call_command("seed_demo", scale="county", stdout=StringIO())
    assert row_counts() == before


def test_seeding_is_refused_when_jurisdictions_exist_that_the_seeder_did_not_load() -> None:
    DemoSeed.objects.all().delete()
    with pytest.raises(CommandError, match="空数据库"):
        call_command("seed_demo", scale="small", stdout=StringIO())


def test_the_foundation_steps_run_in_order_jurisdictions_people_accounts() -> None:
    names = [step.name for step in registered_steps()]
    foundation = ["jurisdictions.demo_data.seed_jurisdictions", "people.demo_data.seed_people"]
    foundation.append("accounts.demo_data.seed_accounts")
    assert [name for name in names if name in foundation] == foundation


def test_if_empty_skips_quietly_when_any_jurisdiction_exists(db: Any) -> None:
    out = StringIO()
    call_command("seed_demo", scale="county", if_empty=True, stdout=out)
    assert "跳过" in out.getvalue()
    assert Jurisdiction.unscoped.filter(level="township").count() == 3
