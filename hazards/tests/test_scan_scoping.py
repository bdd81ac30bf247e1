"""Scoped access to the re-check and deadline-policy pages and the policies API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B

pytestmark = pytest.mark.django_db

VALUES = {
    "general_days": 20,
    "major_days": 60,
    "yellow_days": 2,
    "yellow_percent": 25,
    "recheck_percent": 15,
    "recheck_after_days": 20,
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def recheck_at(code: str, *, place: Any = None) -> Any:
    from hazards.models import Hazard, Recheck
    from jurisdictions.models import Jurisdiction

    node = place.jurisdiction if place is not None else Jurisdiction.unscoped.get(code=code)
    hazard = Hazard.unscoped.create(
        number=f"T{uuid.uuid4().hex[:20]}",
        jurisdiction=node,
        place=place,
        category="unsafe_condition",
        hazard_type="fire",
        description=f"回头看范围测试{uuid.uuid4().hex[:6]}",
        source="patrol",
        state="closed",
        found_at=timezone.now() - timedelta(days=60),
        closed_at=timezone.now() - timedelta(days=40),
    )
    return Recheck.objects.create(hazard=hazard, drawn_at=timezone.now(), draw_seed="t", due_on=date.today())


def test_recheck_page_lists_only_rechecks_in_scope(demo_user: Any, outsiders: dict[str, Any]) -> None:
    mine = recheck_at(TOWNSHIP_A)
    theirs = recheck_at(TOWNSHIP_B)
    page = client_for(demo_user("township_staff")).get(reverse("hazards:rechecks"))
    assert page.status_code == 200
    assert mine.hazard.number in page.content.decode() and theirs.hazard.number not in page.content.decode()
    other = client_for(outsiders["township_admin"]).get(reverse("hazards:rechecks"))
    assert other.status_code == 200
    assert mine.hazard.number not in other.content.decode() and theirs.hazard.number in other.content.decode()


def test_an_outsider_cannot_record_a_result_on_another_townships_recheck(outsiders: dict[str, Any]) -> None:
    recheck = recheck_at(TOWNSHIP_A)
    response = client_for(outsiders["township_admin"]).post(
        reverse("hazards:recheck_record", args=[recheck.pk]), {"result": "passed"}
    )
    assert response.status_code == 404
    recheck.refresh_from_db()
    assert recheck.state == "due"


def test_station_staff_record_a_result_through_the_page(demo_user: Any) -> None:
    recheck = recheck_at(TOWNSHIP_A)
    client = client_for(demo_user("township_staff"))
    response = client.post(
        reverse("hazards:recheck_record", args=[recheck.pk]), {"result": "passed", "note": "保持良好"}
    )
    assert response.status_code == 302
    recheck.refresh_from_db()
    assert recheck.state == "passed" and recheck.note == "保持良好"


def test_a_grid_worker_sees_rechecks_but_may_not_record(demo_user: Any) -> None:
    recheck = recheck_at(GRID_A)
    client = client_for(demo_user("grid_worker"))
    page = client.get(reverse("hazards:rechecks"))
    assert page.status_code == 200 and recheck.hazard.number in page.content.decode()
    assert client.post(reverse("hazards:recheck_record", args=[recheck.pk]), {"result": "passed"}).status_code == 403


def test_an_enterprise_user_sees_only_rechecks_of_their_own_places(demo_user: Any) -> None:
    from places.models import Place, PlaceAccount

    user = demo_user("enterprise_user")
    own = Place.unscoped.get(pk=PlaceAccount.objects.filter(user=user).values_list("place_id", flat=True).first())
    neighbour = Place.unscoped.filter(jurisdiction=own.jurisdiction).exclude(pk=own.pk).first()
    mine, next_door = recheck_at(GRID_A, place=own), recheck_at(GRID_A, place=neighbour)
    body = client_for(user).get(reverse("hazards:rechecks")).content.decode()
    assert mine.hazard.number in body and next_door.hazard.number not in body


def test_policies_page_needs_hazard_management(demo_user: Any) -> None:
    assert client_for(demo_user("grid_worker")).get(reverse("hazards:policies")).status_code == 403
    assert client_for(demo_user("township_staff")).get(reverse("hazards:policies")).status_code == 200


def test_a_township_admin_edits_their_own_node_only(demo_user: Any, outsiders: dict[str, Any]) -> None:
    from hazards.models import DeadlinePolicy
    from hazards.policies import policy_for
    from jurisdictions.models import Jurisdiction

    admin = client_for(demo_user("township_admin"))
    url = reverse("hazards:policies")
    assert admin.post(url, {"code": TOWNSHIP_A, **VALUES}).status_code == 302
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    assert DeadlinePolicy.objects.get(jurisdiction=node).general_days == 20
    village = Jurisdiction.unscoped.filter(parent=node).first()
    assert policy_for(village).general_days == 20  # the override applies to the subtree
    assert admin.post(url, {"code": "default", **VALUES}).status_code == 403
    assert admin.post(url, {"code": TOWNSHIP_B, **VALUES}).status_code == 404
    assert DeadlinePolicy.objects.get(jurisdiction__isnull=True).general_days == 30
    staff = client_for(demo_user("township_staff"))
    assert staff.post(url, {"code": TOWNSHIP_A, **VALUES, "general_days": 5}).status_code == 403


def test_a_policy_edit_is_validated_and_audited(demo_user: Any) -> None:
    from audit.models import ObjectChange
    from hazards.models import DeadlinePolicy

    county = client_for(demo_user("county_admin"))
    url = reverse("hazards:policies")
    bad = county.post(url, {"code": "default", **VALUES, "yellow_percent": 140})
    assert bad.status_code == 200 and "yellow_percent" in bad.context["form"].errors
    assert county.post(url, {"code": "default", **VALUES}).status_code == 302
    policy = DeadlinePolicy.objects.get(jurisdiction__isnull=True)
    assert policy.general_days == 20
    assert ObjectChange.unscoped.filter(object_id=str(policy.pk), content_type__model="deadlinepolicy").exists()


def test_policies_api_read_and_write_by_role(demo_user: Any, outsiders: dict[str, Any], api_as: Any) -> None:
    assert api_as(demo_user("grid_worker")).get("/api/v1/hazards/policies").status_code == 403
    staff = api_as(demo_user("township_staff")).get("/api/v1/hazards/policies")
    assert staff.status_code == 200
    body = staff.json()
    assert body["applies"]["general_days"] == 30 and any(row["jurisdiction_code"] is None for row in body["items"])

    admin = api_as(demo_user("township_admin"))
    put = admin.put(
        "/api/v1/hazards/policies", {"jurisdiction_code": TOWNSHIP_A, **VALUES}, content_type="application/json"
    )
    assert put.status_code == 200 and put.json()["general_days"] == 20
    assert admin.get("/api/v1/hazards/policies").json()["applies"]["general_days"] == 20
    assert (
        admin.put(
            "/api/v1/hazards/policies", {"jurisdiction_code": None, **VALUES}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        admin.put(
            "/api/v1/hazards/policies", {"jurisdiction_code": TOWNSHIP_B, **VALUES}, content_type="application/json"
        ).status_code
        == 404
    )
    bad = admin.put(
        "/api/v1/hazards/policies",
        {"jurisdiction_code": TOWNSHIP_A, **VALUES, "major_days": 10},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "major_days" in str(bad.json())
    # The outsider township does not see township A's override.
    outsider = api_as(outsiders["township_admin"]).get("/api/v1/hazards/policies").json()
    assert all(row["jurisdiction_code"] != TOWNSHIP_A for row in outsider["items"])
    assert outsider["applies"]["general_days"] == 30
