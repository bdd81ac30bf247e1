"""Checklist pages: the list, a version's items, the draft editor (htmx), versions and their diff.

Every change goes through `checklists.actions`; a page only turns a refusal into a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from checklists import actions, services
from checklists.forms import ArchiveForm, ChecklistFilterForm, ChecklistForm, ItemForm, NewChecklistForm, PublishForm
from checklists.ledgers import ITEMS_LEDGER, ChecklistItemsImporter, export_rows
from checklists.models import Checklist, ChecklistItem, ChecklistStatus
from jurisdictions.models import Jurisdiction
from places.models import PlaceKind
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 30
HISTORY_LIMIT = 30


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _get(pk: int) -> Checklist:
    return get_object_or_404(Checklist.objects.select_related("jurisdiction", "supersedes"), pk=pk)


def _kind_names() -> dict[str, str]:
    return dict(PlaceKind.objects.values_list("code", "name"))


def _filtered(request: AuthenticatedRequest) -> tuple[ChecklistFilterForm, QuerySet[Checklist]]:
    form = ChecklistFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    checklists = Checklist.objects.annotate(item_count=Count("items")).select_related("jurisdiction")
    if not data.get("archived"):
        checklists = checklists.filter(archived_at__isnull=True)
    status = data.get("status") or ""
    if status == "":
        checklists = checklists.filter(status__in=(ChecklistStatus.ACTIVE, ChecklistStatus.DRAFT))
    elif status != "all":
        checklists = checklists.filter(status=status)
    if data.get("category"):
        checklists = checklists.filter(place_category=data["category"])
    if data.get("kind"):
        kind = PlaceKind.objects.filter(code=data["kind"]).first()
        ids = [c.pk for c in checklists if kind is not None and services.match_tier(c, kind) is not None]
        checklists = checklists.filter(pk__in=ids)
    if data.get("q"):
        q = data["q"]
        checklists = checklists.filter(Q(name__icontains=q) | Q(items__matter__icontains=q)).distinct()
    return form, checklists.order_by("jurisdiction_path", "lineage", "-version")


@login_required
@require_GET
def checklist_list(request: AuthenticatedRequest) -> HttpResponse:
    form, checklists = _filtered(request)
    page = Paginator(checklists, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, str(v)) for k, v in request.GET.items() if k != "page"])
    names = _kind_names()
    for checklist in page.object_list:
        checklist.applies = services.applies_to(checklist, names)
    context = {"form": form, "page": page, "query": query}
    if request.htmx and request.htmx.target == "checklist-results":
        return render(request, "checklists/_results.html", context)
    return render(request, "checklists/list.html", context)


@login_required
@require_GET
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    checklist = _get(pk)
    items = list(checklist.items.order_by("order", "id"))
    context = {
        "checklist": checklist,
        "items": items,
        "applies": services.applies_to(checklist, _kind_names()),
        "can_edit": actions.can_edit(request.user, checklist),
        "draft": actions.draft_of(checklist) if checklist.status != ChecklistStatus.DRAFT else None,
        "publish_form": PublishForm(initial={"effective_from": max(checklist.effective_from, timezone.localdate())}),
        "archive_form": ArchiveForm(),
        "history": history_of(checklist, *items)[:HISTORY_LIMIT],
    }
    return render(request, "checklists/detail.html", context)


@login_required
def create(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.can(Capability.EDIT_CHECKLISTS):
        raise PermissionDenied(_("当前角色无权维护检查清单"))
    form = NewChecklistForm(request.POST or None, user=request.user, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("jurisdiction")
        jurisdiction = get_object_or_404(Jurisdiction.objects.active(), code=code) if code else None
        try:
            checklist = actions.create_checklist(by=request.user, jurisdiction=jurisdiction, **data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("已新建草稿，请添加检查项后发布。"))
            return redirect("checklists:edit", checklist.pk)
    return render(request, "checklists/form.html", {"form": form, "title": _("新建检查清单")})


def _editor_context(
    request: AuthenticatedRequest, checklist: Checklist, item_form: ItemForm | None = None
) -> dict[str, Any]:
    return {
        "checklist": checklist,
        "items": list(checklist.items.order_by("order", "id")),
        "item_form": item_form or ItemForm(),
    }


def _editable(request: AuthenticatedRequest, pk: int) -> Checklist:
    checklist = _get(pk)
    actions.require_edit(request.user, checklist)
    return checklist


@login_required
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The draft editor: the header form, and the items (edited in place with htmx)."""
    checklist = _editable(request, pk)
    if not checklist.is_editable:
        messages.info(request, _("已发布的清单不能直接修改，请先“生成新版本”。"))
        return redirect("checklists:detail", checklist.pk)
    form = ChecklistForm(request.POST or None, initial=ChecklistForm.initial_for(checklist))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_checklist(checklist, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("checklists:edit", checklist.pk)
    return render(request, "checklists/edit.html", {"form": form, **_editor_context(request, checklist)})


def _items_response(
    request: AuthenticatedRequest, checklist: Checklist, item_form: ItemForm | None = None, error: str = ""
) -> HttpResponse:
    context = {**_editor_context(request, checklist, item_form), "error": error}
    if request.htmx:
        return render(request, "checklists/_editor_items.html", context)
    if error:
        messages.error(request, error)
    return redirect("checklists:edit", checklist.pk)


@login_required
@require_POST
def item_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    checklist = _editable(request, pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _items_response(request, checklist, form, _("请修改标红的字段后再提交。"))
    try:
        actions.add_item(checklist, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _items_response(request, checklist, form, _errors(exc))
    return _items_response(request, checklist)


@login_required
def item_edit(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponseBase:
    checklist = _editable(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist=checklist)
    form = ItemForm(request.POST or None, initial=ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_item(item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            return redirect("checklists:edit", checklist.pk)
    context = {"form": form, "title": _("修改检查项"), "checklist": checklist}
    return render(request, "checklists/form.html", context)


@login_required
@require_POST
def item_move(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponse:
    checklist = _editable(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist=checklist)
    try:
        actions.move_item(item, by=request.user, up=request.POST.get("direction") == "up")
    except ValidationError as exc:
        return _items_response(request, checklist, error=_errors(exc))
    return _items_response(request, checklist)


@login_required
@require_POST
def item_remove(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponse:
    checklist = _editable(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist=checklist)
    try:
        actions.remove_item(item, by=request.user)
    except ValidationError as exc:
        return _items_response(request, checklist, error=_errors(exc))
    return _items_response(request, checklist)


@login_required
@require_POST
def new_version(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    checklist = _get(pk)
    try:
        draft = actions.new_version(checklist, request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("checklists:detail", checklist.pk)
    messages.success(request, _("已生成第 %(v)s 版草稿；修改后发布即生效，原版本保持不变。") % {"v": draft.version})
    return redirect("checklists:edit", draft.pk)


@login_required
@require_POST
def publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    checklist = _get(pk)
    form = PublishForm(request.POST)
    effective_from = form.cleaned_data["effective_from"] if form.is_valid() else None
    try:
        actions.publish(checklist, request.user, effective_from=effective_from)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已发布，原生效版本已标记为“已被替代”。"))
    return redirect("checklists:detail", checklist.pk)


@login_required
@require_POST
def archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    checklist = _get(pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写归档原因。"))
        return redirect("checklists:detail", checklist.pk)
    try:
        actions.archive_checklist(checklist, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已归档。"))
    return redirect("checklists:detail", checklist.pk)


@login_required
@require_GET
def versions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every version of the lineage, and the diff of one version against the one it superseded."""
    checklist = _get(pk)
    lineage = list(
        Checklist.objects.filter(lineage=checklist.lineage).annotate(item_count=Count("items")).order_by("-version")
    )
    shown = checklist
    chosen = request.GET.get("v", "")
    if chosen.isdigit():
        shown = next((c for c in lineage if c.version == int(chosen)), checklist)
    previous = shown.supersedes or next((c for c in lineage if c.version < shown.version), None)
    context = {
        "checklist": checklist,
        "lineage": lineage,
        "shown": shown,
        "previous": previous,
        "changes": services.diff_items(previous, shown),
    }
    return render(request, "checklists/versions.html", context)


@login_required
@require_GET
def export(request: AuthenticatedRequest, pk: int) -> FileResponse:
    checklist = _get(pk)
    rows = export_rows(checklist.items.order_by("order", "id"))
    return xlsx_response(ITEMS_LEDGER, rows, dated_filename(f"{checklist.name}第{checklist.version}版"))


# --- Excel import into a draft (the shared ledger pages, one set per checklist) -------------------


def import_pages(checklist: Checklist) -> LedgerImportPages:
    return LedgerImportPages(
        ledger=ITEMS_LEDGER,
        key=f"checklist-items-{checklist.pk}",
        importer=lambda user: ChecklistItemsImporter(user, checklist),
        capability=Capability.EDIT_CHECKLISTS,
        refusal=gettext_lazy("当前角色无权维护检查清单"),
        title=gettext_lazy("导入检查项"),
        template_name="检查清单",
        namespace="checklists",
        list_url_name="checklists:list",
        list_title=gettext_lazy("检查清单"),
        noun=gettext_lazy("项"),
        notes=(
            gettext_lazy("只能导入到草稿版本；导入后草稿的检查项与文件一致，文件中没有的序号将被删除。"),
            gettext_lazy("可先导出本清单，在 Excel 中修改后再导入。"),
        ),
        url_args=(str(checklist.pk),),
        record_type="checklists.checklistitem",
    )


def _import_view(which: str) -> Any:
    def view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
        checklist = _get(pk)
        if which != "template":
            actions.require_edit(request.user, checklist)
            if not checklist.is_editable:
                messages.error(request, _("只能导入到草稿版本；请先“生成新版本”。"))
                return redirect("checklists:detail", checklist.pk)
        response: HttpResponseBase = import_pages(checklist).views()[which](request)
        return response

    return view


def import_urls() -> list[Any]:
    return [
        path("<int:pk>/import/", _import_view("import"), name="import"),
        path("<int:pk>/import/template.xlsx", _import_view("template"), name="import_template"),
        path("<int:pk>/import/confirm/", _import_view("confirm"), name="import_confirm"),
    ]


def place_panel_context(request: Any, place: Any) -> dict[str, Any] | None:
    """The place page's “适用检查清单” section: which list an inspection here walks today."""
    checklist = services.checklist_for(place)
    if checklist is None:
        return None
    return {"applicable_checklist": checklist, "applicable_items": checklist.items.count()}
