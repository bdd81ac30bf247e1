"""Responsibility-letter pages: the roll-up, who has not signed (with bulk signing), signing on the place page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from jurisdictions.views import breadcrumb
from letters import actions, services
from letters.choices import LetterKind
from letters.forms import SignForm, SignManyForm, SummaryFilterForm, UnsignedFilterForm, WithdrawForm
from letters.ledgers import LETTER_LEDGER, LetterImporter, export_rows, unsigned_rows
from letters.models import ResponsibilityLetter
from places.models import Place
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 30


def _year(value: Any) -> int:
    return int(value) if value else timezone.localdate().year


@login_required
@require_GET
def summary(request: AuthenticatedRequest) -> HttpResponse:
    form = SummaryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    node = Jurisdiction.objects.code_or_home(data.get("code") or "")
    year = _year(data.get("year"))
    result = services.summary(node, year)
    context = {"node": node, "year": year, "result": result, "crumbs": breadcrumb(request, node), "kinds": LetterKind}
    return render(request, "letters/summary.html", context)


def _unsigned(request: AuthenticatedRequest) -> tuple[Jurisdiction, int, str, Any]:
    form = UnsignedFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    node = Jurisdiction.objects.code_or_home(data.get("code") or "")
    year, kind = _year(data.get("year")), data.get("kind") or LetterKind.SAFETY
    places = (
        services.unsigned_places(year, kind)
        .filter(jurisdiction_path__within=node.path)
        .select_related("jurisdiction", "kind")
        .defer("jurisdiction__boundary")
        .order_by("jurisdiction_path", "name", "id")
    )
    return node, year, kind, places


@login_required
@require_GET
def unsigned(request: AuthenticatedRequest) -> HttpResponse:
    node, year, kind, places = _unsigned(request)
    page = Paginator(places, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "node": node,
        "year": year,
        "kind": kind,
        "kind_label": LetterKind(kind).label,
        "kinds": LetterKind.choices,
        "page": page,
        "form": SignManyForm(),
        "crumbs": breadcrumb(request, node),
    }
    template = "letters/_unsigned_rows.html" if request.htmx else "letters/unsigned.html"
    return render(request, template, context)


@login_required
@require_GET
def unsigned_export(request: AuthenticatedRequest) -> FileResponse:
    node, year, kind, places = _unsigned(request)
    rows = unsigned_rows(places.iterator(chunk_size=1000), year, kind)
    return xlsx_response(LETTER_LEDGER, rows, dated_filename(f"{node.name}{year}年{LetterKind(kind).label}未签订"))


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> FileResponse:
    form = SummaryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    node, year = Jurisdiction.objects.code_or_home(data.get("code") or ""), _year(data.get("year"))
    letters = (
        ResponsibilityLetter.objects.filter(year=year, archived_at__isnull=True, jurisdiction_path__within=node.path)
        .select_related("place", "jurisdiction")
        .defer("jurisdiction__boundary")
    )
    return xlsx_response(LETTER_LEDGER, export_rows(letters.iterator(chunk_size=1000)), dated_filename(f"{node.name}{year}年责任状台账"))


@login_required
@require_POST
def sign_many(request: AuthenticatedRequest) -> HttpResponse:
    year, kind = _year(request.POST.get("year")), request.POST.get("kind", "")
    code = request.POST.get("code", "")
    form = SignManyForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("place") if v.isdigit()]
    places = list(Place.objects.filter(pk__in=ids, archived_at__isnull=True))
    back = f"{reverse('letters:unsigned')}?{urlencode({'code': code, 'year': str(year), 'kind': kind})}"
    if not form.is_valid():
        messages.error(request, _("请填写正确的签订日期。"))
        return redirect(back)
    try:
        created = actions.sign_many(request.user, places, year=year, kind=kind, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已登记 %(n)d 份责任状。") % {"n": created})
    return redirect(back)


def place_panel_context(request: HttpRequest, place: Place) -> dict[str, Any] | None:
    """The place page's letters section: this year's three letters, earlier years, and a sign form."""
    year = timezone.localdate().year
    letters = list(ResponsibilityLetter.objects.filter(place=place).order_by("-year", "kind", "-archived_at"))
    this_year = {letter.kind: letter for letter in letters if letter.year == year and letter.archived_at is None}
    user = getattr(request, "user", None)
    may_sign = bool(user is not None and user.is_authenticated and user.can(Capability.EDIT_REGISTRY))
    return {
        "letter_year": year,
        "letter_status": [(kind, label, this_year.get(kind)) for kind, label in LetterKind.choices],
        "earlier_letters": [letter for letter in letters if letter.year != year or letter.archived_at is not None][:20],
        "sign_form": SignForm(initial={"year": year}) if may_sign and not place.is_archived else None,
    }


@login_required
@require_POST
def sign_for_place(request: AuthenticatedRequest, place_id: int) -> HttpResponse:
    place = get_object_or_404(Place.objects.filter(archived_at__isnull=True), pk=place_id)
    form = SignForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.sign(
                request.user, place, year=data["year"], kind=data["kind"], signed_on=data["signed_on"],
                signatory=data["signatory"], countersigned_by=data["countersigned_by"], note=data["note"],
                attachment=data["attachment"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记%(kind)s。") % {"kind": LetterKind(data["kind"]).label})
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(_place_url(place))


@login_required
@require_POST
def withdraw(request: AuthenticatedRequest, letter_id: int) -> HttpResponse:
    letter = get_object_or_404(ResponsibilityLetter.objects.filter(archived_at__isnull=True).select_related("place"), pk=letter_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.withdraw(request.user, letter, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已撤销该责任状。"))
    else:
        messages.error(request, _("请填写撤销原因。"))
    return redirect(_place_url(letter.place))


@login_required
@require_GET
def attachment(request: AuthenticatedRequest, letter_id: int) -> FileResponse:
    """Scans are served through the scoped manager, never from a public media URL."""
    letter = get_object_or_404(ResponsibilityLetter.objects.exclude(attachment=""), pk=letter_id)
    response = FileResponse(letter.attachment.open("rb"), as_attachment=False, filename=letter.attachment.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


def _place_url(place: Place) -> str:
    return reverse("places:detail", args=[place.pk]) + "#letters"


# Signed letters come back as a ledger: the “未签订” list exported, dates filled in, imported here.
IMPORT_PAGES = LedgerImportPages(
    ledger=LETTER_LEDGER,
    key="letters",
    importer=LetterImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=_lazy("当前角色无权导入责任状台账"),
    title=_lazy("导入责任状台账"),
    template_name="责任状台账",
    namespace="letters",
    list_url_name="letters:summary",
    list_title=_lazy("责任状签订"),
    noun=pgettext_lazy("导入计数", "份"),
    notes=(
        _lazy("可先在“未签订”名单中点“导出未签名单”，填上签订日期后导入。"),
        _lazy("场所按统一社会信用代码识别，没有代码的按“场所名称 + 地址”识别，须已在场所台账登记。"),
        _lazy("同一场所同一年度同一类型的责任状只有一份：已签订的按本行更正。"),
    ),
    record_type="letters.responsibilityletter",
)
