"""Who may edit: county admin the county-wide lists, township admin their own township's; others read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from checklists import actions
from checklists.models import Checklist
from demo.constants import COUNTY_CODE, TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction

pytestmark = pytest.mark.django_db


def test_township_admin_cannot_edit_the_county_wide_list(township_admin: Any, small_place_list: Checklist) -> None:
    assert not actions.can_edit(township_admin, small_place_list)
    with pytest.raises(PermissionDenied, match="县级管理员"):
        actions.new_version(small_place_list, township_admin)
    with pytest.raises(PermissionDenied):
        actions.create_checklist(by=township_admin, name="全县清单")  # no jurisdiction = county-wide


def test_county_admin_edits_county_wide_and_township_lists(
    county_admin: Any, small_place_list: Checklist, local_lists: dict[str, Checklist]
) -> None:
    assert actions.can_edit(county_admin, small_place_list)
    assert actions.can_edit(county_admin, local_lists["a"])
    draft = actions.new_version(local_lists["a"], county_admin)
    assert draft.jurisdiction_id == local_lists["a"].jurisdiction_id


def test_township_admin_edits_only_their_township(township_admin: Any, local_lists: dict[str, Checklist]) -> None:
    assert actions.can_edit(township_admin, local_lists["a"])
    assert not actions.can_edit(township_admin, local_lists["b"])
    with pytest.raises(PermissionDenied, match="本辖区"):
        actions.new_version(local_lists["b"], township_admin)
    with pytest.raises(PermissionDenied, match="本辖区"):
        actions.create_checklist(by=township_admin, name="x", jurisdiction=Jurisdiction.unscoped.get(code=TOWNSHIP_B))
    with pytest.raises(PermissionDenied):
        actions.create_checklist(by=township_admin, name="x", jurisdiction=Jurisdiction.unscoped.get(code=COUNTY_CODE))


@pytest.mark.parametrize(
    "role", ["township_staff", "village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"]
)
def test_other_roles_are_read_only(role: str, demo_user: Any, local_lists: dict[str, Checklist]) -> None:
    user = demo_user(role)
    assert not actions.can_edit(user, local_lists["a"])
    with pytest.raises(PermissionDenied):
        actions.new_version(local_lists["a"], user)
    with pytest.raises(PermissionDenied):
        actions.create_checklist(by=user, name="x", jurisdiction=Jurisdiction.unscoped.get(code=TOWNSHIP_A))


def test_local_lists_only_at_county_or_township_level(county_admin: Any) -> None:
    from django.core.exceptions import ValidationError

    village = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A).first()
    with pytest.raises(ValidationError, match="县或乡镇"):
        actions.create_checklist(by=county_admin, name="村清单", jurisdiction=village)
