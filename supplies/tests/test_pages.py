"""Supplies pages: render, htmx partials, the movement form, permissions, query budgets."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import TOWNSHIP_A, VILLAGE_A
from supplies.models import StockMovement, StoragePoint, Supply, SupplyCategory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    from accounts.models import User

    client = Client()
    client.force_login(User.unscoped.get(username=username))
    return client


@pytest.fixture
def cadre() -> Client:
    return signed_in("village_cadre")


def village_a_supply() -> Supply:
    return Supply.unscoped.filter(jurisdiction__code=VILLAGE_A, archived_at__isnull=True, quantity__gt=5).order_by("id").first()


@pytest.mark.parametrize(
    "name",
    [
        "supplies:list", "supplies:alerts", "supplies:points", "supplies:kits", "supplies:create",
        "supplies:point_create", "supplies:import", "supplies:points_import",
    ],
)
def test_index_pages_render_for_a_township_admin(name: str) -> None:
    response = signed_in("township_admin").get(reverse(name))
    assert response.status_code == 200
    assert b"<script>" not in response.content and b' style="' not in response.content


def test_list_filters_with_htmx_return_the_results_partial(cadre: Client) -> None:
    response = cadre.get(reverse("supplies:list"), {"q": "救生衣"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="supply-results")
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="supply-results"')
    assert "救生衣" in html and "<html" not in html


def test_list_state_filter_shows_expired_only() -> None:
    response = signed_in("county_admin").get(reverse("supplies:list"), {"state": "expired"})
    assert response.status_code == 200
    for supply in response.context["page"].object_list:
        assert supply.state == "expired"


def test_a_village_cadre_records_an_out_on_the_supply_page(cadre: Client) -> None:
    supply = village_a_supply()
    before = supply.quantity
    page = cadre.get(reverse("supplies:detail", args=[supply.pk]))
    assert page.status_code == 200 and "登记出入库" in page.content.decode()
    response = cadre.post(reverse("supplies:move", args=[supply.pk]), {"kind": "out", "quantity": 2, "reason": "防台转移群众领用"})
    assert response.status_code == 302
    supply.refresh_from_db()
    assert supply.quantity == before - 2
    follow = cadre.get(reverse("supplies:detail", args=[supply.pk])).content.decode()
    assert "防台转移群众领用" in follow and f"{before - 2}" in follow


def test_an_over_large_out_shows_the_error_and_changes_nothing(cadre: Client) -> None:
    supply = village_a_supply()
    count = StockMovement.objects.filter(supply=supply).count()
    response = cadre.post(reverse("supplies:move", args=[supply.pk]), {"kind": "out", "quantity": supply.quantity + 1, "reason": "x"})
    assert response.status_code == 200  # the page again, with the form's error (as every form page does)
    assert "超过当前库存" in response.content.decode()
    assert StockMovement.objects.filter(supply=supply).count() == count


def test_a_leader_sees_but_cannot_record(demo_user: Any) -> None:
    leader = signed_in("leader")
    supply = village_a_supply()
    page = leader.get(reverse("supplies:detail", args=[supply.pk])).content.decode()
    assert "登记出入库" not in page
    assert leader.post(reverse("supplies:move", args=[supply.pk]), {"kind": "out", "quantity": 1, "reason": "x"}).status_code == 403
    assert leader.get(reverse("supplies:create")).status_code == 403


def test_create_a_supply_through_the_form(cadre: Client) -> None:
    point = StoragePoint.unscoped.filter(jurisdiction__code=VILLAGE_A).first()
    category = SupplyCategory.objects.get(code="communication")
    response = cadre.post(
        reverse("supplies:create"),
        {"storage_point": point.pk, "name": "应急手摇报警器", "category": category.pk, "unit": "个", "owner_type": "government", "initial_quantity": 3},
    )
    assert response.status_code == 302
    supply = Supply.objects.get(storage_point=point, name="应急手摇报警器")
    assert supply.quantity == 3 and supply.movements.count() == 1


def test_kits_page_has_township_tables_and_chart_data() -> None:
    response = signed_in("county_admin").get(reverse("supplies:kits"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="kit-chart-data"' in html and "kit-cell kit-missing" in html and "kit-cell kit-ok" in html
    village = signed_in("township_admin").get(reverse("supplies:kit_village", args=[VILLAGE_A]))
    assert village.status_code == 200 and "卫星电话" in village.content.decode()


def test_kits_page_for_a_village_cadre_goes_to_their_village(cadre: Client) -> None:
    response = cadre.get(reverse("supplies:kits"))
    assert response.status_code == 302 and response["Location"].endswith(f"/kits/{VILLAGE_A}/")


def test_points_page_and_detail(cadre: Client) -> None:
    response = cadre.get(reverse("supplies:points"))
    assert response.status_code == 200 and 'id="points-map"' in response.content.decode()
    point = StoragePoint.unscoped.filter(jurisdiction__code=VILLAGE_A).first()
    assert cadre.get(reverse("supplies:point_detail", args=[point.pk])).status_code == 200


def test_exports_download() -> None:
    client = signed_in("township_admin")
    for name in ("supplies:export", "supplies:points_export", "supplies:movements_export", "supplies:import_template"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_list_pages_have_a_query_budget(django_assert_max_num_queries: Any) -> None:
    client = signed_in("county_admin")
    client.get(reverse("supplies:list"))  # warm the session and content types
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:points")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:alerts")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:kits"), {"jurisdiction": TOWNSHIP_A}).status_code == 200


def test_import_page_previews_then_imports_all_rows(cadre: Client) -> None:
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    point = StoragePoint.unscoped.filter(jurisdiction__code=VILLAGE_A).first()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["储备点辖区代码", "储备点", "名称", "类别", "批次", "单位", "库存数量"])
    writer.writerow([VILLAGE_A, point.name, "折叠担架", "医疗", "P1", "副", "2"])
    upload = SimpleUploadedFile("物资.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    preview = cadre.post(reverse("supplies:import"), {"file": upload})
    assert preview.status_code == 200 and "全部检查通过" in preview.content.decode()
    assert not Supply.objects.filter(name="折叠担架").exists()
    token = preview.context["pending"].token
    done = cadre.post(reverse("supplies:import_confirm"), {"token": token})
    assert done.status_code == 200 and "导入完成" in done.content.decode()
    assert Supply.objects.get(name="折叠担架", storage_point=point).quantity == 2
