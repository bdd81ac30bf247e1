"""Pages of plans (预案), position cards, drills with the target checks, and training/publicity.

Reads go through the scoped managers (outsiders get 404); changes through `plans.actions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from hazards.models import Hazard
from jurisdictions.choices import Level
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from people.models import Position
from plans import actions
from plans.choices import FIVE_INTO, PLAN_TRANSITIONS, Audience, PlanStatus, TrainingKind
from plans.forms import (
    AttachmentForm,
    CardForm,
    DrillActionForm,
    DrillForm,
    PlanFilterForm,
    PlanForm,
    SectionsForm,
    TrainingForm,
)
from plans.handbook import build_handbook, card_contacts, holders_by_post
from plans.ledgers import (
    DRILL_LEDGER,
    PLAN_LEDGER,
    TRAINING_LEDGER,
    DrillImporter,
    PlanImporter,
    TrainingImporter,
    drill_rows,
    plan_rows,
    training_rows,
)
from plans.models import Attachment, Drill, DrillAction, Plan, PositionCard, Training
from plans.queries import drills_base, filter_drills, filter_plans, filter_trainings, plans_base, trainings_base
from plans.stats import training_summary
from plans.targets import compute_targets
from yingji.http import AuthenticatedRequest, query_without_page
from yingji.ledgers import Ledger, dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
HISTORY_LIMIT = 30


def _require(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(_("当前角色无权修改预案、演练和培训台账"))


def _year(request: AuthenticatedRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _root(request: AuthenticatedRequest) -> Jurisdiction:
    code = request.GET.get("code")
    if code:
        return get_object_or_404(Jurisdiction.objects.active().defer("boundary"), code=code)
    roots = Jurisdiction.objects.visible_roots().defer("boundary")
    root = roots.first()
    if root is None:
        raise Http404(_("没有可查看的辖区"))
    return root


# --- plans ------------------------------------------------------------------------------------


@login_required
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    form = PlanFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    plans = filter_plans(plans_base(), q=data.get("q"), kind=data.get("kind"), status=data.get("status"), overdue=bool(data.get("overdue")))
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    townships = Jurisdiction.objects.active().filter(level=Level.TOWNSHIP).only("code", "name").order_by("path")
    context = {"form": form, "page": page, "query": query_without_page(request), "townships": townships, "today": timezone.localdate()}
    if request.htmx and request.htmx.target == "plan-results":
        return render(request, "plans/_plan_results.html", context)
    return render(request, "plans/plan_list.html", context)


def _plan_or_404(pk: int) -> Plan:
    return get_object_or_404(plans_base(), pk=pk)


@login_required
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    sections = list(plan.sections.order_by("position", "id"))
    context = {
        "plan": plan,
        "sections": sections,
        "attachments": plan.attachments.all(),
        "cards": plan.cards.active().select_related("position_kind"),
        "drills": plan.drills.active().order_by("-conducted_on", "-planned_on")[:10],
        "attachment_form": AttachmentForm(),
        "next_statuses": [(s.value, s.label) for s in PlanStatus if s in PLAN_TRANSITIONS[PlanStatus(plan.status)]],
        "history": history_of(plan, *sections)[:HISTORY_LIMIT],
    }
    return render(request, "plans/plan_detail.html", context)


def _plan_form(request: AuthenticatedRequest, form: PlanForm, plan: Plan | None) -> Plan | None:
    data = dict(form.cleaned_data)
    try:
        if plan is None:
            from plans.choices import DEFAULT_SECTIONS

            return actions.create_plan(by=request.user, sections=[(h, "") for h in DEFAULT_SECTIONS], **data)
        return actions.update_plan(plan, by=request.user, **data)
    except ValidationError as exc:
        add_action_errors(form, exc)
        return None


@login_required
def plan_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    initial = {"jurisdiction": request.user.jurisdiction.code} if request.user.jurisdiction else {}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (plan := _plan_form(request, form, None)) is not None:
        messages.success(request, _("已登记预案，请编写正文章节。"))
        return redirect("plans:sections", pk=plan.pk)
    return render(request, "plans/form.html", {"form": form, "title": _("登记应急预案"), "back": "plans:list"})


@login_required
def plan_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    _require(request)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_of(plan))
    if request.method == "POST" and form.is_valid() and _plan_form(request, form, plan) is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:detail", pk=pk)
    return render(request, "plans/form.html", {"form": form, "title": _("编辑应急预案"), "plan": plan})


@login_required
def plan_sections(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    _require(request)
    form = SectionsForm(request.POST or None, initial={"text": SectionsForm.as_text(plan.sections.order_by("position", "id"))})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_sections(plan, by=request.user, sections=form.sections())
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        else:
            messages.success(request, _("已保存预案正文。"))
            return redirect("plans:detail", pk=pk)
    return render(request, "plans/form.html", {"form": form, "title": _("编写预案正文"), "plan": plan})


@login_required
@require_POST
def plan_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    _require(request)
    try:
        actions.change_plan_status(plan, by=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("预案状态已更新。"))
    return redirect("plans:detail", pk=pk)


def _upload(request: AuthenticatedRequest, owner: Plan | Drill | Training) -> None:
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return
    try:
        actions.add_attachment(owner, by=request.user, upload=form.cleaned_data["file"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已上传附件。"))


@login_required
@require_POST
def plan_attachment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    _require(request)
    _upload(request, plan)
    return redirect("plans:detail", pk=pk)


@login_required
@require_GET
def attachment_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Serve a stored file only to users who can see its owner (the scoped manager decides)."""
    attachment = get_object_or_404(Attachment.objects, pk=pk)
    response = FileResponse(attachment.file.open("rb"), as_attachment=not attachment.is_image, filename=attachment.name,
                            content_type=attachment.content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def handbook(request: AuthenticatedRequest, code: str) -> HttpResponse:
    node = get_object_or_404(Jurisdiction.objects.active().defer("boundary"), code=code)
    if node.level != Level.TOWNSHIP:
        raise Http404(_("多案合一手册按乡镇（街道）生成"))
    from urllib.parse import quote

    response = HttpResponse(build_handbook(node), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    filename = f"{node.name}多案合一应急手册-{timezone.localdate():%Y%m%d}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


# --- position cards -------------------------------------------------------------------------------


@login_required
def card_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    _require(request)
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data["title"]:
            data.pop("title")
        try:
            actions.create_card(plan, by=request.user, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已添加应急处置卡。"))
            return redirect("plans:detail", pk=pk)
    return render(request, "plans/form.html", {"form": form, "title": _("新增应急处置卡"), "plan": plan})


@login_required
def card_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(PositionCard.objects.select_related("plan", "position_kind"), pk=pk)
    _require(request)
    form = CardForm(request.POST or None, initial=CardForm.initial_of(card))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("position_kind")
        try:
            actions.update_card(card, by=request.user, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("plans:detail", pk=card.plan_id)
    return render(request, "plans/form.html", {"form": form, "title": _("编辑应急处置卡"), "plan": card.plan})


@login_required
def cards_print(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The plan's position cards as printable A6 cards (A5 with ?size=a5)."""
    plan = _plan_or_404(pk)
    cards = list(plan.cards.active().select_related("position_kind"))
    positions = Position.objects.current().filter(jurisdiction=plan.jurisdiction).select_related("person", "kind")
    holders = holders_by_post(positions)
    items = [{"card": card, "contacts": card_contacts(card, holders)} for card in cards]
    size = "a5" if request.GET.get("size") == "a5" else "a6"
    return render(request, "plans/cards_print.html", {"plan": plan, "items": items, "size": size})


# --- drills ---------------------------------------------------------------------------------------


@login_required
def drill_index(request: AuthenticatedRequest) -> HttpResponse:
    """Targets for the chosen node and year (with a bar per township or village), then the drill list."""
    root = _root(request)
    year = _year(request)
    report = compute_targets(root, year)
    drills = filter_drills(drills_base(), jurisdiction=root.code, year=year, state=request.GET.get("state") or None)
    page = Paginator(drills, PAGE_SIZE).get_page(request.GET.get("page"))
    chart = {
        "names": [u.name for u in report.units],
        "drills": [u.drills for u in report.units],
        "villages": [u.villages for u in report.units],
        "villages_with_drill": [u.villages_with_drill for u in report.units],
        "labels": {"drills": _("本级演练次数"), "villages": _("村(社区)数"), "with_drill": _("已演练村(社区)")},
    }
    context = {
        "root": root, "year": year, "report": report, "page": page, "query": query_without_page(request), "chart": chart,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
        "unit_is_township": root.level == Level.COUNTY,
    }
    if request.htmx and request.htmx.target == "drill-results":
        return render(request, "plans/_drill_results.html", context)
    return render(request, "plans/drill_index.html", context)


def _drill_or_404(pk: int) -> Drill:
    return get_object_or_404(drills_base(), pk=pk)


@login_required
def drill_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(pk)
    items = list(drill.actions.active())
    registered = {
        h.source_ref: h
        for h in Hazard.objects.filter(source_app=actions.DRILL_SOURCE_APP, source_ref__in=[str(i.pk) for i in items])
    }
    for item in items:
        item.hazard = registered.get(str(item.pk))  # type: ignore[attr-defined]
    context = {
        "drill": drill, "items": items, "action_form": DrillActionForm(), "attachment_form": AttachmentForm(),
        "attachments": drill.attachments.all(), "history": history_of(drill, *items)[:HISTORY_LIMIT], "today": timezone.localdate(),
    }
    return render(request, "plans/drill_detail.html", context)


def _drill_form(request: AuthenticatedRequest, form: DrillForm, drill: Drill | None) -> Drill | None:
    data = dict(form.cleaned_data)
    try:
        if drill is None:
            return actions.create_drill(by=request.user, **data)
        return actions.update_drill(drill, by=request.user, **data)
    except ValidationError as exc:
        add_action_errors(form, exc)
        return None


@login_required
def drill_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    initial: dict[str, Any] = {"jurisdiction": request.user.jurisdiction.code} if request.user.jurisdiction else {}
    if request.GET.get("plan"):
        initial["plan"] = request.GET["plan"]
    form = DrillForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (drill := _drill_form(request, form, None)) is not None:
        messages.success(request, _("已登记演练“%(title)s”。") % {"title": drill.title})
        return redirect("plans:drill_detail", pk=drill.pk)
    return render(request, "plans/form.html", {"form": form, "title": _("登记演练"), "back": "plans:drills"})


@login_required
def drill_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(pk)
    _require(request)
    form = DrillForm(request.POST or None, initial=DrillForm.initial_of(drill))
    if request.method == "POST" and form.is_valid() and _drill_form(request, form, drill) is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:drill_detail", pk=pk)
    return render(request, "plans/form.html", {"form": form, "title": _("编辑演练"), "drill": drill})


@login_required
@require_POST
def drill_action_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(pk)
    _require(request)
    form = DrillActionForm(request.POST)
    if form.is_valid():
        try:
            actions.add_drill_action(drill, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记整改事项。"))
    else:
        messages.error(request, _("请填写整改事项。"))
    return redirect("plans:drill_detail", pk=pk)


@login_required
@require_POST
def drill_action_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(DrillAction.objects, pk=pk)
    _require(request)
    actions.update_drill_action(item, by=request.user, done=request.POST.get("done") == "1")
    return redirect("plans:drill_detail", pk=item.drill_id)


@login_required
@require_POST
def drill_attachment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(pk)
    _require(request)
    _upload(request, drill)
    return redirect("plans:drill_detail", pk=pk)


# --- training and publicity ----------------------------------------------------------------------


@login_required
def training_index(request: AuthenticatedRequest) -> HttpResponse:
    root = _root(request)
    year = _year(request)
    total, rows = training_summary(root, year)
    trainings = filter_trainings(trainings_base(), jurisdiction=root.code, year=year, audience=request.GET.get("audience") or None)
    page = Paginator(trainings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "root": root, "year": year, "total": total, "rows": rows, "page": page, "query": query_without_page(request),
        "five_into": [(a.value, a.label) for a in FIVE_INTO], "audiences": Audience.choices, "kinds": TrainingKind.choices,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
    }
    return render(request, "plans/training_index.html", context)


def _training_form(request: AuthenticatedRequest, form: TrainingForm, training: Training | None) -> Training | None:
    try:
        if training is None:
            return actions.create_training(by=request.user, **form.cleaned_data)
        return actions.update_training(training, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        add_action_errors(form, exc)
        return None


@login_required
def training_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    initial = {"jurisdiction": request.user.jurisdiction.code, "held_on": timezone.localdate()} if request.user.jurisdiction else {}
    form = TrainingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _training_form(request, form, None) is not None:
        messages.success(request, _("已登记活动。"))
        return redirect("plans:trainings")
    return render(request, "plans/form.html", {"form": form, "title": _("登记培训宣传活动"), "back": "plans:trainings"})


@login_required
def training_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(trainings_base(), pk=pk)
    _require(request)
    if request.method == "POST" and request.FILES:
        _upload(request, training)
        return redirect("plans:training_detail", pk=pk)
    form = TrainingForm(request.POST or None, initial=TrainingForm.initial_of(training))
    if request.method == "POST" and form.is_valid() and _training_form(request, form, training) is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:trainings")
    context = {"form": form, "title": _("编辑培训宣传活动"), "training": training, "attachments": training.attachments.all(),
               "attachment_form": AttachmentForm(), "back": "plans:trainings"}
    return render(request, "plans/form.html", context)


# --- ledgers ------------------------------------------------------------------------------------

def _import_pages(ledger: Ledger, key: str, importer: Any, title: Any, list_url_name: str, list_title: Any, noun: Any, record_type: str, prefix: str) -> LedgerImportPages:
    """The import pages of one of the three ledgers; drills and trainings name their URLs with a prefix (``drill_import``)."""
    names = {"import": "import", "confirm": "import_confirm", "template": "import_template", "job": "import_job"}
    return LedgerImportPages(
        ledger=ledger,
        key=key,
        importer=importer,
        capability=Capability.EDIT_REGISTRY,
        refusal=_lazy("当前角色无权导入台账"),
        title=title,
        template_name=ledger.name,
        namespace="plans",
        list_url_name=list_url_name,
        list_title=list_title,
        noun=noun,
        notes=tuple(_lazy(note) for note in ledger.notes),  # the ledger's own notes, in English from this catalogue
        record_type=record_type,
        names={which: f"{prefix}{name}" for which, name in names.items()},
    )


PLAN_PAGES = _import_pages(PLAN_LEDGER, "plans", PlanImporter, _lazy("导入应急预案台账"), "plans:list", _lazy("应急预案"), pgettext_lazy("导入计数", "份预案"), "plans.plan", "")
DRILL_PAGES = _import_pages(DRILL_LEDGER, "drills", DrillImporter, _lazy("导入演练台账"), "plans:drills", _lazy("演练"), pgettext_lazy("导入计数", "次演练"), "plans.drill", "drill_")
TRAINING_PAGES = _import_pages(
    TRAINING_LEDGER, "trainings", TrainingImporter, _lazy("导入培训宣传台账"), "plans:trainings", _lazy("培训宣传"), pgettext_lazy("导入计数", "次培训宣传"), "plans.training", "training_"
)


@login_required
@require_GET
def plan_export(request: AuthenticatedRequest) -> FileResponse:
    form = PlanFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    plans = filter_plans(plans_base(), q=data.get("q"), kind=data.get("kind"), status=data.get("status"), overdue=bool(data.get("overdue")))
    return xlsx_response(PLAN_LEDGER, plan_rows(plans), dated_filename("应急预案台账"))


@login_required
@require_GET
def drill_export(request: AuthenticatedRequest) -> FileResponse:
    root = _root(request)
    drills = filter_drills(drills_base(), jurisdiction=root.code, year=_year(request) if request.GET.get("year") else None)
    return xlsx_response(DRILL_LEDGER, drill_rows(drills), dated_filename("演练台账"))


@login_required
@require_GET
def training_export(request: AuthenticatedRequest) -> FileResponse:
    root = _root(request)
    trainings = filter_trainings(trainings_base(), jurisdiction=root.code, year=_year(request) if request.GET.get("year") else None)
    return xlsx_response(TRAINING_LEDGER, training_rows(trainings), dated_filename("培训宣传台账"))
