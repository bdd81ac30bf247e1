"""The shared import pages (`yingji.ledgers.pages`) on a tiny ledger of their own.

The ledger here registers contacts (people with a name, a mobile and a village) through
`people.actions.create_person`, so every write is real, scoped and audited. It is mounted
twice under this module's URLconf: once synchronous, once registered with
`yingji.ledgers.background` with a threshold of two rows.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import include, path, reverse
from openpyxl import Workbook

from accounts.roles import Capability
from demo.constants import TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people import actions
from people.ledgers import parse_code, parse_mobile
from people.models import Person
from yingji import actions as base_actions
from yingji.ledgers import CREATED, Column, Ledger, Outcome, ParsedRow, RowError, background, uploads
from yingji.ledgers.pages import LedgerImportPages

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_ledger_pages")]

CONTACTS = Ledger(
    name="联络人台账",
    columns=(
        Column("name", "姓名", required=True),
        Column("mobile", "手机号", parse=parse_mobile, required=True, text=True),
        Column("code", "所属辖区代码", parse=parse_code, required=True, text=True),
        Column("note", "备注"),
    ),
    natural_key=("mobile",),
)


class ContactImporter:
    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.places: dict[str, Jurisdiction] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {row.get("code") for row in rows}
        self.places = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}

    def apply(self, row: ParsedRow) -> Outcome:
        place = self.places.get(row.get("code"))
        if place is None:
            raise RowError("code", "辖区代码不在您的辖区范围内")
        actions.create_person(by=self.user, jurisdiction=place, name=row.get("name"), mobile=row.get("mobile"), note=row.get("note") or "")
        return Outcome(CREATED, row.get("name"))


def contact_pages(key: str, namespace: str) -> LedgerImportPages:
    return LedgerImportPages(
        ledger=CONTACTS,
        key=key,
        importer=ContactImporter,
        capability=Capability.EDIT_REGISTRY,
        refusal="当前角色无权导入联络人",
        title="导入联络人台账",
        template_name="联络人台账",
        namespace=namespace,
        list_url_name="people:list",
        list_title="人员名录",
        noun="位联络人",
        notes=("手机号相同的视为同一人。",),
    )


SMALL = contact_pages("contacts", "contacts")
LARGE = contact_pages("contacts-large", "contacts_large")

urlpatterns = [
    path("contacts/", include((SMALL.urls(), "contacts"))),
    path("contacts-large/", include((LARGE.urls(), "contacts_large"))),
    path("", include("yingji.urls")),
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def large_ledger_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "_registry", dict(background._registry))
    background.register(LARGE.key, CONTACTS, ContactImporter, threshold=2)


@pytest.fixture
def staff(client: Client, demo_user: Any) -> Any:
    user = demo_user("township_staff")
    client.force_login(user)
    return user


def xlsx(rows: list[list[str]], headers: tuple[str, ...] = ("姓名", "手机号", "所属辖区代码")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "联络人.xlsx"
    return out


def token_in(html: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found, "the preview should carry the upload's token"
    return found.group(1)


def test_a_broken_row_is_reported_with_its_row_and_column_and_nothing_is_written(client: Client, staff: Any) -> None:
    before = Person.unscoped.count()
    response = client.post(reverse("contacts:import"), {"file": xlsx([["甲联络人", "13912340001", VILLAGE_A], ["乙联络人", "139", VILLAGE_A]])})
    html = response.content.decode()
    assert response.status_code == 200
    [problem] = response.context["report"].problems
    assert (problem.row, problem.column, problem.value) == (3, "手机号", "139") and "11 位" in problem.message
    assert 'class="table table-cards problems"' in html and "第 3 行" in html
    assert "全部导入" in html and "还有问题未修改，暂不能导入。" in html
    assert Person.unscoped.count() == before


def test_an_unknown_header_is_mapped_by_hand_then_the_file_is_imported_with_the_noun_of_the_ledger(client: Client, staff: Any) -> None:
    upload = xlsx([["丙联络人", "13912340002", VILLAGE_A, "夜间可联系"]], headers=("姓名", "手机号", "所属辖区代码", "说明"))
    page = client.post(reverse("contacts:import"), {"file": upload})
    assert page.context["report"].unknown == [(3, "说明")]
    assert [item["header"] for item in page.context["mappable"]] == ["说明"]
    token = page.context["pending"].token
    remapped = client.post(reverse("contacts:import"), {"token": token, "remap": "1", "map-3": "note", "header-3": "说明"})
    assert remapped.context["report"].unknown == [] and remapped.context["pending"].mapping == {"说明": "note"}
    assert "将新增 1 位联络人、更新 0 位联络人" in remapped.content.decode()
    assert not Person.unscoped.filter(mobile="13912340002").exists()

    result = client.post(reverse("contacts:import_confirm"), {"token": token}, headers={"HX-Request": "true"})
    html = result.content.decode()
    assert 'id="import-flow"' in html and "<html" not in html  # the htmx partial, swapped in place
    assert "导入完成：新增 1 位联络人，更新 0 位联络人，0 位联络人无变化。" in html
    assert Person.unscoped.get(mobile="13912340002").note == "夜间可联系"
    assert reverse("contacts:import") in html and reverse("people:list") in html


def test_an_expired_or_foreign_token_imports_nothing(client: Client, staff: Any, demo_user: Any) -> None:
    page = client.post(reverse("contacts:import"), {"file": xlsx([["丁联络人", "13912340003", VILLAGE_A]])})
    token = page.context["pending"].token
    uploads.discard(token)
    response = client.post(reverse("contacts:import_confirm"), {"token": token})
    assert response.status_code == 200 and "已过期" in response.content.decode()
    again = client.post(reverse("contacts:import"), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("contacts:import")

    page = client.post(reverse("contacts:import"), {"file": xlsx([["丁联络人", "13912340003", VILLAGE_A]])})
    client.force_login(demo_user("township_admin"))
    response = client.post(reverse("contacts:import_confirm"), {"token": page.context["pending"].token})
    assert "已过期" in response.content.decode()
    # A token stashed for one ledger does not open another's.
    client.force_login(staff)
    response = client.post(reverse("contacts_large:import_confirm"), {"token": page.context["pending"].token})
    assert "已过期" in response.content.decode()
    assert not Person.unscoped.filter(mobile="13912340003").exists()


def test_roles_without_the_capability_are_refused_every_page_but_the_template(client: Client, demo_user: Any) -> None:
    client.force_login(demo_user("leader"))
    assert client.get(reverse("contacts:import")).status_code == 403
    assert client.post(reverse("contacts:import"), {"file": xlsx([["戊", "13912340004", VILLAGE_A]])}).status_code == 403
    assert client.post(reverse("contacts:import_confirm"), {"token": "0" * 32}).status_code == 403
    assert not Person.unscoped.filter(mobile="13912340004").exists()
    assert client.get(reverse("contacts:import_template")).status_code == 200


def test_the_page_shows_the_notes_limits_and_template_and_confirm_needs_post(client: Client, staff: Any) -> None:
    html = client.get(reverse("contacts:import")).content.decode()
    assert "导入联络人台账" in html and "手机号相同的视为同一人。" in html and "下载导入模板" in html
    assert reverse("contacts:import_template") in html and "在后台处理" not in html
    assert client.get(reverse("contacts:import_confirm")).status_code == 405
    assert client.get(reverse("contacts:import_job", args=[1])).status_code == 404  # not a background ledger


def test_a_file_above_the_threshold_is_checked_and_imported_by_the_worker_with_progress(
    client: Client, staff: Any, large_ledger_registered: None
) -> None:
    from jobs.models import ImportJob

    rows = [[f"{n}号联络人", f"1391234010{n}", VILLAGE_A] for n in range(3)]
    assert "超过 2 行的文件在后台处理并显示进度。" in client.get(reverse("contacts_large:import")).content.decode()
    response = client.post(reverse("contacts_large:import"), {"file": xlsx(rows)})
    job = ImportJob.objects.get(user=staff, ledger=LARGE.key)
    assert response.status_code == 302 and response["Location"] == reverse("contacts_large:import_job", args=[job.pk])
    # An .xlsx of a few kB is far more bytes than two rows take: it is not even read in the request.
    assert job.dry_run and job.status == "queued" and job.total_rows == 0

    page = client.get(response["Location"]).content.decode()
    assert 'id="job-status"' in page and "排队中" in page and 'hx-trigger="every 1s"' in page
    polled = client.get(response["Location"], headers={"HX-Request": "true", "HX-Target": "job-status"})
    assert polled.status_code == 200 and "<html" not in polled.content.decode() and 'id="job-status"' in polled.content.decode()
    assert job.filename in client.get(reverse("contacts_large:import")).content.decode()  # the recent jobs list

    assert background.run_job(job).total_rows == 3
    done = client.get(response["Location"], headers={"HX-Request": "true", "HX-Target": "job-status"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    preview = client.get(response["Location"])
    assert preview.context["report"].ok and "将新增 3 位联络人" in preview.content.decode()
    assert not Person.unscoped.filter(mobile__startswith="139123401").exists()

    confirmed = client.post(reverse("contacts_large:import_confirm"), {"token": token_in(preview.content.decode())}, headers={"HX-Request": "true"})
    importing = ImportJob.objects.filter(user=staff, ledger=LARGE.key, dry_run=False).get()
    assert confirmed.status_code == 204 and confirmed["HX-Redirect"] == reverse("contacts_large:import_job", args=[importing.pk])
    background.run_job(importing)
    result = client.get(confirmed["HX-Redirect"]).content.decode()
    assert "导入完成：新增 3 位联络人" in result
    assert Person.unscoped.filter(mobile__startswith="139123401", jurisdiction__code=VILLAGE_A).count() == 3


def test_a_job_page_is_only_its_uploaders(client: Client, staff: Any, demo_user: Any, large_ledger_registered: None) -> None:
    from jobs.models import ImportJob

    client.post(reverse("contacts_large:import"), {"file": xlsx([[f"{n}号", f"1391234020{n}", TOWNSHIP_A] for n in range(3)])})
    job = ImportJob.objects.get(user=staff, ledger=LARGE.key)
    client.force_login(demo_user("township_admin"))
    assert client.get(reverse("contacts_large:import_job", args=[job.pk])).status_code == 404


def test_a_small_file_with_more_rows_than_the_threshold_is_read_then_handed_to_the_worker(
    client: Client, staff: Any, large_ledger_registered: None
) -> None:
    from jobs.models import ImportJob

    upload = io.BytesIO("姓名,手机号,所属辖区代码\n".encode() + "".join(f"{n}号,1391234030{n},{VILLAGE_A}\n" for n in range(3)).encode())
    upload.name = "联络人.csv"
    response = client.post(reverse("contacts_large:import"), {"file": upload})
    job = ImportJob.objects.get(user=staff, ledger=LARGE.key)
    assert response.status_code == 302 and job.total_rows == 3
    page = client.get(response["Location"]).content.decode()
    assert 'max="3"' in page and 'value="0"' in page


def test_letters_have_an_import_page_linked_from_their_pages_for_roles_that_edit_registries(client: Client, staff: Any, demo_user: Any) -> None:
    from django.utils import timezone

    from letters.models import ResponsibilityLetter
    from places.models import Place

    for name in ("letters:summary", "letters:unsigned"):
        assert reverse("letters:import") in client.get(reverse(name)).content.decode(), name
    year = timezone.localdate().year
    place = (
        Place.unscoped.filter(jurisdiction_path__contains=TOWNSHIP_A, archived_at__isnull=True)
        .exclude(letters__year=year, letters__kind="fire")
        .exclude(credit_code="")
        .order_by("id")
        .first()
    )
    assert place is not None, "the demo county should have a place without this year's fire letter"
    upload = xlsx([[place.credit_code, str(year), "消防安全责任状", f"{year}-01-15"]], headers=("统一社会信用代码", "年度", "责任状类型", "签订日期"))
    page = client.post(reverse("letters:import"), {"file": upload})
    assert page.status_code == 200 and page.context["report"].ok, page.context["report"].problems
    assert "将新增 1 份" in page.content.decode()
    result = client.post(reverse("letters:import_confirm"), {"token": page.context["pending"].token})
    assert "导入完成：新增 1 份" in result.content.decode()
    assert ResponsibilityLetter.unscoped.filter(place=place, year=year, kind="fire").exists()

    client.force_login(demo_user("leader"))
    assert reverse("letters:import") not in client.get(reverse("letters:summary")).content.decode()
    assert client.get(reverse("letters:import")).status_code == 403


def test_the_pages_speak_english_when_english_is_chosen(client: Client, staff: Any, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("letters:import")).content.decode()
    assert "Import the responsibility letter ledger" in html and "Back to" in html and "Upload" in html
    assert "Import signed letters" in client.get(reverse("letters:summary")).content.decode()
