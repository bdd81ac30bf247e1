"""Rule-table maintenance by county administrators (CONFIGURE_RULES)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hazardrules import actions
from hazardrules.engine import determine_fire
from hazardrules.models import RuleElement, RuleTable

pytestmark = pytest.mark.django_db


def test_wording_and_label_of_a_published_element_can_be_corrected(demo_user: Any) -> None:
    element = RuleElement.objects.get(table__code="GB35181-2017", code="7.9.3")
    actions.update_element(demo_user("county_admin"), element, text="核对后的条文", verification="P")
    element.refresh_from_db()
    assert (element.text, element.verification, element.flagged) == ("核对后的条文", "P", False)
    with pytest.raises(ValidationError):
        actions.update_element(demo_user("county_admin"), element, text="x", verification="maybe")


def test_published_elements_cannot_be_removed_and_drafts_can(demo_user: Any) -> None:
    admin = demo_user("county_admin")
    with pytest.raises(ValidationError, match="已发布"):
        actions.remove_element(admin, RuleElement.objects.get(table__code="GB35181-2017", code="6.6"))
    draft = RuleTable.objects.get(code="GB35181-2025")
    counted = actions.add_element(admin, draft, code="6.1", kind="composite", group="6", text="t", verification="R")
    typo = actions.add_element(admin, draft, code="6.9x", kind="composite", group="6", text="t", verification="R")
    actions.add_rule(
        admin, draft, label="a", categories=["crowded"], counted=["6.1"], threshold=1, text="", verification="R"
    )
    actions.remove_element(admin, typo)
    assert not RuleElement.objects.filter(pk=typo.pk).exists()
    with pytest.raises(ValidationError, match=r"6\.1"):
        actions.remove_element(admin, counted)


def test_only_county_admin_configures_rules(demo_user: Any) -> None:
    table = RuleTable.objects.get(code="GB35181-2025")
    for name in ("township_admin", "township_staff", "grid_worker"):
        with pytest.raises(PermissionDenied):
            actions.add_element(
                demo_user(name), table, code="5.1", kind="direct", group="5", text="t", verification="R"
            )


def test_a_new_edition_is_a_draft_that_takes_over_from_its_date(demo_user: Any) -> None:
    admin = demo_user("county_admin")
    with pytest.raises(ValidationError):
        actions.create_table(admin, code="GB35181-2017", name="dup", effective_from=date(2030, 1, 1))
    with pytest.raises(ValidationError):
        actions.create_table(admin, code="X", name="same day", effective_from=date(2025, 11, 1))
    actions.create_table(admin, code="GB35181-2099", name="future", effective_from=date(2099, 1, 1))
    assert RuleTable.objects.get(code="GB35181-2099").status == "draft"
    assert determine_fire(date(2024, 1, 1), "crowded", ["6.6"], [], []).rule_version == "GB35181-2017"


def test_bulk_load_saves_all_lines_or_none(demo_user: Any) -> None:
    admin = demo_user("county_admin")
    table = RuleTable.objects.get(code="GB35181-2025")
    with pytest.raises(ValidationError, match="第 2 行"):
        actions.load_elements(admin, table, "5.1 | direct | 5 | R | 一\n5.2 | sideways | 5 | R | 二")
    assert not table.elements.exists()
    assert actions.load_elements(admin, table, "# comment\n5.1 | 直接 | 5 | [R] | 一\n4.2a | 排除 | 4.2 | NF | 二") == 2
    assert set(table.elements.values_list("kind", flat=True)) == {"direct", "exclusion"}
