"""Outsiders from another township, and enterprise users, see and touch only what is theirs."""

from __future__ import annotations

from typing import Any

import pytest

from inspections import actions
from inspections.models import Inspection
from inspections.tests.conftest import PLACE_LAT, PLACE_LNG, jpeg, png_data_url
from places.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(place: Place, task: Any, demo_user: Any) -> Inspection:
    """A supervision in township A with a photo and a signature, finished."""
    staff = demo_user("township_staff")
    made = actions.begin(task, by=staff)
    actions.check_in(made, by=staff, lat=PLACE_LAT, lng=PLACE_LNG)
    for item in made.checklist.items.order_by("order"):
        actions.record_item(made, item, by=staff, outcome="failed", note="问题", photos=[jpeg()])
    actions.sign(made, by=staff, representative="周管理", signature_png=png_data_url())
    return actions.finish(made, by=staff)


def test_outsiders_get_404_or_empty_on_every_endpoint(
    inspection: Inspection, task: Any, outsiders: dict[str, Any], api_as: Any, client: Any
) -> None:
    photo = inspection.results.first().photos.first()
    item_id = inspection.results.first().item_id
    base = f"/api/v1/inspections/{inspection.pk}"
    for role, user in outsiders.items():
        api = api_as(user)
        listed = api.get("/api/v1/inspections").json()
        assert inspection.pk not in [row["id"] for row in listed["items"]], role
        assert api.get(base).status_code == 404, role
        assert api.get(f"{base}/photos/{photo.pk}").status_code == 404, role
        assert api.get(f"{base}/signature").status_code == 404, role
        for path, body in [
            (f"{base}/check-in", {"lat": PLACE_LAT, "lng": PLACE_LNG}),
            (f"{base}/sign", {"representative": "x", "signature": png_data_url()}),
            (f"{base}/finish", {}),
            (f"{base}/items/{item_id}/hazard", {}),
        ]:
            assert api.post(path, body, content_type="application/json").status_code == 404, (role, path)
        assert api.post(f"{base}/items/{item_id}", {"outcome": "ok"}).status_code == 404, role
        begun = api.post("/api/v1/inspections", {"place_id": inspection.place_id}, content_type="application/json")
        assert begun.status_code == 404, role
        by_task = api.post("/api/v1/inspections", {"task_id": task.pk}, content_type="application/json")
        assert by_task.status_code == 404, role

        client.force_login(user)
        for url in [
            f"/inspections/{inspection.pk}/",
            f"/inspections/{inspection.pk}/walk/",
            f"/inspections/{inspection.pk}/signature.png",
            f"/inspections/photos/{photo.pk}/",
            f"/inspections/tasks/{task.pk}/",
            f"/inspections/start/?place={inspection.place_id}",
        ]:
            assert client.get(url).status_code == 404, (role, url)
        for url in [
            f"/inspections/{inspection.pk}/check-in/",
            f"/inspections/{inspection.pk}/items/{item_id}/",
            f"/inspections/{inspection.pk}/sign/",
            f"/inspections/{inspection.pk}/finish/",
        ]:
            assert client.post(url, {"lat": "1", "lng": "1", "outcome": "ok"}).status_code == 404, (role, url)
        listing = client.get("/inspections/").content.decode()
        assert inspection.place.name not in listing, role
        export = client.get("/inspections/export.xlsx")
        assert inspection.place.name.encode() not in b"".join(export.streaming_content), role


def test_enterprise_user_sees_only_inspections_of_their_places(
    inspection: Inspection, own_place: Place, api_as: Any, client: Any, demo_user: Any
) -> None:
    owner = demo_user("enterprise_user")
    own = actions.begin(own_place, by=owner)
    api = api_as(owner)
    ids = [row["id"] for row in api.get("/api/v1/inspections").json()["items"]]
    assert own.pk in ids and inspection.pk not in ids
    assert api.get(f"/api/v1/inspections/{inspection.pk}").status_code == 404
    client.force_login(owner)
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert client.get(f"/inspections/{own.pk}/walk/").status_code == 200


def test_colleagues_read_but_do_not_write_someone_elses_draft(place: Place, api_as: Any, demo_user: Any) -> None:
    draft = actions.begin(place, by=demo_user("township_staff"), kind="patrol")
    colleague = api_as(demo_user("township_admin"))
    assert colleague.get(f"/api/v1/inspections/{draft.pk}").status_code == 200
    refused = colleague.post(
        f"/api/v1/inspections/{draft.pk}/check-in",
        {"lat": PLACE_LAT, "lng": PLACE_LNG},
        content_type="application/json",
    )
    assert refused.status_code == 403
    leader = api_as(demo_user("leader"))
    assert (
        leader.post("/api/v1/inspections", {"place_id": place.pk}, content_type="application/json").status_code == 403
    )
