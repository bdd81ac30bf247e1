"""Versions: an active list is never edited; publishing supersedes; old versions keep their items."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.models import ObjectChange
from checklists import actions
from checklists.models import Checklist, ChecklistItem, ChecklistStatus
from yingji.models import LedgerDeletionRefused

pytestmark = pytest.mark.django_db


def test_an_active_checklist_cannot_be_edited_in_place(county_admin: Any, small_place_list: Checklist) -> None:
    item = small_place_list.items.first()
    with pytest.raises(ValidationError, match="生成新版本"):
        actions.update_item(item, by=county_admin, content="改掉")
    with pytest.raises(ValidationError):
        actions.add_item(small_place_list, by=county_admin, matter="新增", content="内容")
    with pytest.raises(ValidationError):
        actions.update_checklist(small_place_list, by=county_admin, name="新名字")
    with pytest.raises(ValidationError):
        actions.remove_item(item, by=county_admin)
    item.refresh_from_db()
    assert item.content != "改掉"


def test_new_version_copies_items_into_a_draft_of_the_same_lineage(
    county_admin: Any, small_place_list: Checklist
) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    assert draft.lineage == small_place_list.lineage
    assert draft.version == small_place_list.version + 1
    assert draft.status == ChecklistStatus.DRAFT and draft.supersedes_id == small_place_list.pk
    old = [(i.order, i.matter, i.content, i.rule_refs) for i in small_place_list.items.all()]
    new = [(i.order, i.matter, i.content, i.rule_refs) for i in draft.items.all()]
    assert old == new and len(new) > 5
    with pytest.raises(ValidationError, match="草稿"):
        actions.new_version(small_place_list, county_admin)  # one open draft per lineage


def test_publish_supersedes_and_old_items_stay_as_they_were(county_admin: Any, small_place_list: Checklist) -> None:
    before = list(small_place_list.items.values_list("pk", "matter", "content"))
    draft = actions.new_version(small_place_list, county_admin)
    first = draft.items.first()
    actions.update_item(first, by=county_admin, content="修改后的内容")
    actions.add_item(
        draft, by=county_admin, matter="新事项", content="新内容", rule_refs=[{"code": "GB35181-2017:7.5"}]
    )
    published = actions.publish(draft, county_admin, effective_from=datetime.date(2025, 1, 1))
    small_place_list.refresh_from_db()
    assert published.status == ChecklistStatus.ACTIVE
    assert small_place_list.status == ChecklistStatus.SUPERSEDED
    # An inspection that walked version 1 (kept by FK) still reads version 1's items.
    assert list(small_place_list.items.values_list("pk", "matter", "content")) == before
    assert published.items.count() == len(before) + 1
    assert Checklist.unscoped.filter(lineage=small_place_list.lineage, status=ChecklistStatus.ACTIVE).count() == 1
    assert ObjectChange.unscoped.filter(object_id=str(published.pk), content_type__model="checklist").exists()


def test_publish_refuses_an_empty_draft_and_a_date_before_the_active_version(
    county_admin: Any, small_place_list: Checklist
) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    with pytest.raises(ValidationError, match="生效日期"):
        actions.publish(draft, county_admin, effective_from=datetime.date(2020, 1, 1))
    for item in list(draft.items.all()):
        actions.remove_item(item, by=county_admin)
    with pytest.raises(ValidationError, match="没有检查项"):
        actions.publish(draft, county_admin)
    with pytest.raises(ValidationError):
        actions.publish(small_place_list, county_admin)  # already active


def test_checklists_are_archived_never_deleted(county_admin: Any, small_place_list: Checklist) -> None:
    with pytest.raises(LedgerDeletionRefused):
        small_place_list.delete()
    draft = actions.new_version(small_place_list, county_admin)
    with pytest.raises(ValidationError):
        actions.archive_checklist(draft, by=county_admin, reason="  ")
    actions.archive_checklist(draft, by=county_admin, reason="作废")
    draft.refresh_from_db()
    assert draft.archived_at is not None and draft.archive_reason == "作废"
    with pytest.raises(ValidationError, match="归档"):
        actions.add_item(draft, by=county_admin, matter="x", content="y")
    # The lineage may start a new draft again once the old one is archived.
    assert actions.new_version(small_place_list, county_admin).version == draft.version + 1


def test_item_validation_says_what_to_fix(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    with pytest.raises(ValidationError) as caught:
        actions.add_item(draft, by=county_admin, matter="", content="", hazard_type="meteor")
    errors = caught.value.message_dict
    assert "matter" in errors and "content" in errors and "hazard_type" in errors
    with pytest.raises(ValidationError, match="条款代码"):
        actions.add_item(draft, by=county_admin, matter="m", content="c", rule_refs=[{"label": "无代码"}])


def test_reorder_and_move(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    ids = list(draft.items.order_by("order").values_list("pk", flat=True))
    actions.move_item(ChecklistItem.objects.get(pk=ids[1]), by=county_admin, up=True)
    assert list(draft.items.order_by("order").values_list("pk", flat=True))[:2] == [ids[1], ids[0]]
    with pytest.raises(ValidationError, match="全部检查项"):
        actions.reorder_items(draft, by=county_admin, item_ids=ids[:-1])
    actions.reorder_items(draft, by=county_admin, item_ids=list(reversed(ids)))
    assert list(draft.items.order_by("order").values_list("pk", flat=True)) == list(reversed(ids))
