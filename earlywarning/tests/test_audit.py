"""Audit: warning changes and catalogue edits are recorded with who did them."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from audit.models import ObjectChange
from audit.tracking import history_of
from earlywarning import actions
from earlywarning.models import LevelPolicy


def test_issue_and_lift_are_on_the_warning_history_with_the_actor(make_draft: Any, staff: Any) -> None:
    from yingji.context import ActorContext, acting

    with acting(ActorContext(user=staff)):
        warning = actions.issue(make_draft(), by=staff)
        actions.lift(warning, by=staff, reason="雨停")
    rows = list(history_of(warning))
    states = [row.after.get("state") for row in rows if "state" in row.after]
    assert "issued" in states and "lifted" in states
    assert {row.user_name for row in rows} == {"township_staff"}
    assert not any("sequence" in row.after for row in rows)


def test_level_policy_edit_needs_configure_rules_and_is_audited(demo_user: Any) -> None:
    import pytest
    from django.core.exceptions import PermissionDenied

    row = LevelPolicy.objects.get(level="red")
    with pytest.raises(PermissionDenied):
        actions.set_level_policy(row, by=demo_user("township_admin"), policy_code="red-night")
    actions.set_level_policy(row, by=demo_user("county_admin"), policy_code="red-night")
    change = ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(LevelPolicy), object_id=str(row.pk)).latest("id")
    assert change.before == {"policy_code": "red"} and change.after == {"policy_code": "red-night"}
