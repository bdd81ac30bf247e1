"""Place actions: creation with automatic grid assignment, overrides, edits, archive, photos, audit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from places import actions, locating
from places.choices import LocationSource, OccupancyStatus
from places.coords import gcj02_to_bd09, wgs84_to_gcj02
from places.history import place_history
from places.models import Place, PlaceKind
from places.tests.conftest import first_grid, inside
from places.tests.test_validators import build
from yingji.context import ActorContext, acting
from yingji.scoping import scope_for_user, use_scope

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CATERING = "sp_catering"


def as_user(user: Any) -> Any:
    """Act as `user` the way a request does: their scope and them as the actor of changes."""

    class _Both:
        def __enter__(self) -> None:
            self.scope = use_scope(scope_for_user(user))
            self.actor = acting(ActorContext(user=user))
            self.scope.__enter__()
            self.actor.__enter__()

        def __exit__(self, *exc: Any) -> None:
            self.actor.__exit__(*exc)
            self.scope.__exit__(*exc)

    return _Both()


def kind(code: str = CATERING) -> PlaceKind:
    return PlaceKind.objects.get(code=code)


def create(user: Any, **fields: Any) -> Place:
    values = {"kind": kind(), "name": "象山县丹东街道测试小吃店", "address": "丹阳路 1 号", **fields}
    with as_user(user):
        return actions.create_place(by=user, **values)


class TestLocation:
    def test_a_point_inside_a_grid_lands_in_that_grid(self, demo_user: Any) -> None:
        lng, lat = inside(GRID_A)
        place = create(demo_user("township_admin"), lng=lng, lat=lat)
        assert place.jurisdiction.code == GRID_A
        assert place.location_source == LocationSource.POINT_IN_POLYGON
        assert place.jurisdiction_path.endswith(f"/{GRID_A}/")

    def test_gcj02_input_is_converted_before_assignment(self, demo_user: Any) -> None:
        lng, lat = inside(GRID_A)
        gcj = wgs84_to_gcj02(lng, lat)
        place = create(demo_user("township_admin"), lng=gcj[0], lat=gcj[1], coord_system="gcj02")
        assert place.lng == pytest.approx(lng, abs=1e-6) and place.lat == pytest.approx(lat, abs=1e-6)
        assert place.jurisdiction.code == GRID_A

    def test_bd09_input_is_converted_too(self, demo_user: Any) -> None:
        lng, lat = inside(GRID_A)
        bd = gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
        place = create(demo_user("township_admin"), lng=bd[0], lat=bd[1], coord_system="bd09")
        assert place.lng == pytest.approx(lng, abs=1e-6)

    def test_a_point_on_the_border_of_two_grids_goes_to_one_of_them_stably(self) -> None:
        grids = list(Jurisdiction.unscoped.filter(parent__code=VILLAGE_A, level="grid").order_by("code")[:2])
        border = shape(grids[0].boundary).boundary.intersection(shape(grids[1].boundary).boundary)
        assert not border.is_empty, "demo grids of a village share a border"
        point = border.representative_point() if border.geom_type != "Point" else border
        found = [locating.boundary_index().locate(point.x, point.y) for _ in range(3)]
        assert found[0] is not None and found[0].code == min(grids[0].code, grids[1].code)
        assert len({f.code for f in found if f}) == 1

    def test_a_point_outside_the_users_township_is_refused_with_a_clear_message(self, demo_user: Any) -> None:
        lng, lat = inside(first_grid(TOWNSHIP_B).code)
        with pytest.raises(ValidationError, match="辖区范围之外") as caught:
            create(demo_user("township_admin"), lng=lng, lat=lat)
        assert "lng" in caught.value.message_dict
        assert not Place.unscoped.filter(name="象山县丹东街道测试小吃店").exists()

    def test_a_point_outside_the_county_is_refused(self, demo_user: Any) -> None:
        with pytest.raises(ValidationError, match="不在本县任何辖区边界内"):
            create(demo_user("county_admin"), lng=120.2, lat=30.25)  # 杭州

    def test_swapped_longitude_and_latitude_are_caught(self, demo_user: Any) -> None:
        lng, lat = inside(GRID_A)
        with pytest.raises(ValidationError, match="填反"):
            create(demo_user("township_admin"), lng=lat, lat=lng)

    def test_override_needs_a_reason_and_keeps_the_chosen_grid(self, demo_user: Any) -> None:
        admin = demo_user("township_admin")
        other = Jurisdiction.unscoped.filter(parent__code=VILLAGE_A, level="grid").exclude(code=GRID_A).first()
        lng, lat = inside(GRID_A)
        with pytest.raises(ValidationError, match="不一致"):
            create(admin, lng=lng, lat=lat, jurisdiction=other)
        place = create(admin, lng=lng, lat=lat, jurisdiction=other, override_reason="实际经营在隔壁网格")
        assert place.jurisdiction == other and place.location_source == LocationSource.MANUAL
        # Moving the point later keeps a manual assignment...
        with as_user(admin):
            moved = actions.update_place(place, by=admin, lng=lng + 0.0001, lat=lat)
        assert moved.jurisdiction == other and moved.location_source == LocationSource.MANUAL
        # ...until the reason is cleared: then the point decides again.
        with as_user(admin):
            auto = actions.set_location(moved, by=admin, lng=lng, lat=lat, override_reason="")
        assert auto.jurisdiction.code == GRID_A and auto.location_source == LocationSource.POINT_IN_POLYGON

    def test_override_jurisdiction_without_reason_is_refused(self, demo_user: Any, make_place: Any) -> None:
        admin = demo_user("township_admin")
        place = make_place(GRID_A)
        with as_user(admin), pytest.raises(ValidationError, match="请填写原因"):
            actions.override_jurisdiction(place, by=admin, jurisdiction=Jurisdiction.unscoped.get(code=VILLAGE_A), reason=" ")

    def test_moving_the_point_reassigns_the_grid(self, demo_user: Any) -> None:
        admin = demo_user("township_admin")
        place = create(admin, lng=inside(GRID_A)[0], lat=inside(GRID_A)[1])
        other = Jurisdiction.unscoped.filter(parent__code=VILLAGE_A, level="grid").exclude(code=GRID_A).first()
        lng, lat = inside(other.code)
        with as_user(admin):
            actions.update_place(place, by=admin, lng=lng, lat=lat)
        place.refresh_from_db()
        assert place.jurisdiction == other and place.jurisdiction_path == other.path

    def test_without_coordinates_the_chosen_jurisdiction_is_used(self, demo_user: Any) -> None:
        place = create(demo_user("township_admin"), jurisdiction=Jurisdiction.unscoped.get(code=VILLAGE_A))
        assert place.jurisdiction.code == VILLAGE_A and place.location_source == LocationSource.UNLOCATED
        with pytest.raises(ValidationError, match="没有坐标时请选择所属辖区"):
            create(demo_user("township_admin"), name="另一家")


class TestValidation:
    def test_bad_credit_code_mobile_and_negative_area_are_reported_per_field(self, demo_user: Any) -> None:
        lng, lat = inside(GRID_A)
        with pytest.raises(ValidationError) as caught:
            create(demo_user("township_admin"), lng=lng, lat=lat, credit_code="91330225MA2AJ6X7X0", legal_rep_mobile="1234", floor_area=-5)
        assert {"credit_code", "legal_rep_mobile", "floor_area"} <= caught.value.message_dict.keys()
        assert Place.unscoped.filter(name="象山县丹东街道测试小吃店").count() == 0

    def test_duplicate_credit_code_is_refused_without_naming_an_outside_place(self, demo_user: Any, make_place: Any) -> None:
        code = build("91330225MA2DUPL1C")
        make_place(first_grid(TOWNSHIP_B).code, name="石浦某水产公司", credit_code=code)
        lng, lat = inside(GRID_A)
        with pytest.raises(ValidationError, match="在其他辖区") as caught:
            create(demo_user("township_admin"), lng=lng, lat=lat, credit_code=code)
        assert "石浦" not in str(caught.value)

    def test_deactivated_kind_cannot_be_chosen_for_new_places(self, demo_user: Any) -> None:
        county = demo_user("county_admin")
        with as_user(county):
            actions.set_kind_active(kind("sp_beauty"), by=county, active=False)
        lng, lat = inside(GRID_A)
        with pytest.raises(ValidationError, match="已停用"):
            create(demo_user("township_admin"), lng=lng, lat=lat, kind=kind("sp_beauty"))


class TestRights:
    def test_grid_worker_cannot_create_or_edit(self, demo_user: Any, make_place: Any) -> None:
        worker = demo_user("grid_worker")
        with pytest.raises(PermissionDenied):
            create(worker, jurisdiction=Jurisdiction.unscoped.get(code=GRID_A))
        place = make_place(GRID_A)
        with as_user(worker), pytest.raises(PermissionDenied):
            actions.update_place(place, by=worker, floors=3)

    def test_enterprise_user_edits_contacts_and_size_of_its_own_place_only(self, demo_user: Any, make_place: Any) -> None:
        user = demo_user("enterprise_user")
        own = Place.unscoped.get(account_links__user=user)
        with as_user(user):
            actions.update_place(own, by=user, fire_manager_name="李安全", fire_manager_mobile="13905740001", employees=90)
            with pytest.raises(PermissionDenied, match="只能修改本单位"):
                actions.update_place(own, by=user, name="改名有限公司")
            with pytest.raises(PermissionDenied):
                actions.update_place(make_place(GRID_A), by=user, employees=3)
        own.refresh_from_db()
        assert (own.fire_manager_name, own.employees) == ("李安全", 90)

    def test_only_county_admin_configures_kinds(self, demo_user: Any) -> None:
        admin = demo_user("township_admin")
        with pytest.raises(PermissionDenied):
            actions.create_kind(by=admin, code="boat", name="渔船", category="other")
        county = demo_user("county_admin")
        with as_user(county):
            created = actions.create_kind(by=county, code="fishing_boat", name="渔船", category="other")
            actions.update_kind(created, by=county, thresholds={"key_unit": {"criterion": "全部", "all": True}})
        assert ObjectChange.unscoped.filter(object_id=str(created.pk), content_type__model="placekind").count() == 2


class TestLifecycleAndAudit:
    def test_archive_needs_a_reason_and_restore_brings_it_back(self, demo_user: Any, make_place: Any) -> None:
        admin = demo_user("township_admin")
        place = make_place(GRID_A)
        with as_user(admin):
            with pytest.raises(ValidationError, match="归档原因"):
                actions.archive_place(place, by=admin, reason="")
            actions.archive_place(place, by=admin, reason="已注销")
            place.refresh_from_db()
            assert place.is_archived and place.archive_reason == "已注销"
            actions.restore_place(place, by=admin)
        place.refresh_from_db()
        assert not place.is_archived
        actions_logged = list(place_history(place).values_list("action", flat=True))
        assert actions_logged[:2] == ["restore", "archive"]

    def test_occupancy_change_is_audited_with_before_and_after(self, demo_user: Any, make_place: Any) -> None:
        admin = demo_user("township_admin")
        place = make_place(GRID_A)
        with as_user(admin):
            actions.set_occupancy_status(place, by=admin, status=OccupancyStatus.SUSPENDED)
            with pytest.raises(ValidationError):
                actions.set_occupancy_status(place, by=admin, status="closed")
        change = place_history(place).first()
        assert change.before == {"occupancy_status": "operating"} and change.after == {"occupancy_status": "suspended"}
        assert change.user_name == "township_admin"

    def test_photo_checked_by_content_stored_and_removed_with_history(self, demo_user: Any, make_place: Any, settings: Any, tmp_path: Any) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        admin = demo_user("township_admin")
        place = make_place(GRID_A)
        with as_user(admin):
            with pytest.raises(ValidationError, match="JPG、PNG 或 WebP"):
                actions.add_photo(place, by=admin, upload=SimpleUploadedFile("fake.jpg", b"<script>alert(1)</script>", "image/jpeg"))
            with pytest.raises(ValidationError, match="过大"):
                big = SimpleUploadedFile("big.png", PNG + b"\0" * actions.PHOTO_MAX_BYTES, "image/png")
                actions.add_photo(place, by=admin, upload=big)
            photo = actions.add_photo(place, by=admin, upload=SimpleUploadedFile("门头.exe", PNG, "application/x-msdownload"), caption="门头")
            assert photo.content_type == "image/png" and photo.image.name.endswith(".png")
            stored = tmp_path / photo.image.name
            assert stored.read_bytes() == PNG
        with as_user(admin):
            actions.remove_photo(photo, by=admin)
        kinds = [(c.content_type.model, c.action) for c in place_history(place)]
        assert ("placephoto", "delete") in kinds and ("placephoto", "create") in kinds

    def test_update_saves_only_changed_fields_and_skips_no_ops(self, demo_user: Any, make_place: Any) -> None:
        admin = demo_user("township_admin")
        place = make_place(GRID_A, floor_area=Decimal("120.0"))
        with as_user(admin):
            actions.update_place(place, by=admin, floor_area="120", tags="液化气、沿街店铺")
        change = place_history(place).first()
        assert change.after == {"tags": ["液化气", "沿街店铺"]}
