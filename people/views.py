"""People pages: directory, person page, forms, positions and responsibility lists.

Reads go through the scoped managers (outsiders get 404); every change goes through
`people.actions`, which checks the role and leaves the audit trail. A PermissionDenied
from an action becomes the 403 page; a ValidationError becomes form errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.forms import add_action_errors
from people import actions
from people.forms import AppointForm, ArchiveForm, PeopleFilterForm, PersonForm, ResponsibilitiesForm
from people.ledgers import PEOPLE_LEDGER, PeopleImporter, export_rows
from people.models import Person, Position, PositionKind
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
HISTORY_LIMIT = 30


def require_capability(request: AuthenticatedRequest, capability: str, message: str) -> None:
    """Refuse a page early (before showing a form the action would refuse anyway)."""
    if not request.user.can(capability):
        raise PermissionDenied(message)


def filtered_people(request: AuthenticatedRequest, form: PeopleFilterForm) -> QuerySet[Person]:
    # Boundaries are large GeoJSON documents and the sealed ID is never shown: neither is loaded.
    people = Person.objects.select_related("jurisdiction").defer("jurisdiction__boundary", "id_number_sealed")
    data = form.cleaned_data if form.is_valid() else {}
    if not data.get("archived"):
        people = people.filter(archived_at__isnull=True)
    q = (data.get("q") or "").strip()
    if q:
        condition = Q(name__contains=q) | Q(organization__contains=q)
        # Searching by digits would let a masked viewer recover numbers digit by digit,
        # so only roles that may see full mobile numbers search on them.
        if request.user.can(Capability.SEE_MOBILE) and q.isdigit():
            condition |= Q(mobile__contains=q)
        people = people.filter(condition)
    node = data.get("jurisdiction")
    if node is not None:
        people = people.filter(jurisdiction_path__within=node.path)
    current = Position.objects.current()
    if data.get("kind") is not None:
        people = people.filter(Exists(current.filter(person=OuterRef("pk"), kind=data["kind"])))
    if data.get("has_position"):
        people = people.filter(Exists(current.filter(person=OuterRef("pk"))))
    return people.prefetch_related(
        Prefetch(
            "positions",
            queryset=Position.objects.current()
            .select_related("kind", "jurisdiction")
            .defer("jurisdiction__boundary")
            .order_by("kind__sort_order"),
            to_attr="current_positions",
        )
    ).order_by("jurisdiction_path", "name", "id")


@login_required
def person_list(request: AuthenticatedRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    paginator = Paginator(filtered_people(request, form), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx and request.htmx.target == "people-results":
        return render(request, "people/_results.html", context)
    return render(request, "people/list.html", context)


def person_or_404(pk: int) -> Person:
    return get_object_or_404(Person.objects.select_related("jurisdiction", "archived_by"), pk=pk)


@login_required
def person_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_or_404(pk)
    positions = list(
        Position.objects.filter(person=person).select_related("kind", "jurisdiction").order_by("-start_date", "-id")
    )
    context = {
        "person": person,
        "current_positions": [p for p in positions if p.is_current],
        "past_positions": [p for p in positions if not p.is_current],
        "history": history_of(person, *positions)[:HISTORY_LIMIT],
        "archive_form": ArchiveForm(),
    }
    return render(request, "people/detail.html", context)


@login_required
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记人员"))
    initial: dict[str, Any] = {}
    if request.GET.get("jurisdiction"):
        initial["jurisdiction"] = request.GET["jurisdiction"]
    elif request.user.jurisdiction is not None:
        initial["jurisdiction"] = request.user.jurisdiction.code
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.create_person(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记人员“%(name)s”。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": None})


@login_required
def person_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改人员信息"))
    form = PersonForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(person, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": form.cleaned_data["name"]})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_or_404(pk)
    form = ArchiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.archive_person(person, by=request.user, reason=reason)
    messages.success(request, _("已归档“%(name)s”，其在岗岗位已同时离任。") % {"name": person.name})
    return redirect("people:detail", pk=person.pk)


@login_required
@require_POST
def person_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_or_404(pk)
    actions.restore_person(person, by=request.user)
    messages.success(request, _("已恢复“%(name)s”。") % {"name": person.name})
    return redirect("people:detail", pk=person.pk)


@login_required
def appoint(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = person_or_404(pk)
    require_capability(request, Capability.MANAGE_POSITIONS, _("当前角色无权任免岗位"))
    if person.is_archived:
        messages.error(request, _("已归档的人员不能任职，请先恢复。"))
        return redirect("people:detail", pk=person.pk)
    initial = {"jurisdiction": person.jurisdiction.code}
    form = AppointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            position = actions.appoint(by=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("已任命 %(person)s 为 %(place)s 的%(kind)s。")
                % {"person": person.name, "place": position.jurisdiction.name, "kind": position.kind.name},
            )
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/appoint.html", {"form": form, "person": person})


@login_required
@require_POST
def end_position(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    position = get_object_or_404(Position.objects.select_related("person", "kind", "jurisdiction"), pk=pk)
    try:
        actions.end_position(position, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(person)s 已离任 %(place)s 的%(kind)s。")
            % {"person": position.person.name, "place": position.jurisdiction.name, "kind": position.kind.name},
        )
    return redirect("people:detail", pk=position.person_id)


@login_required
def kind_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "people/kinds.html", {"kinds": PositionKind.objects.all()})


@login_required
def kind_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    kind = get_object_or_404(PositionKind.objects, pk=pk)
    require_capability(request, Capability.MANAGE_VOCABULARY, _("当前角色无权维护责任清单"))
    form = ResponsibilitiesForm(request.POST or None, initial={"responsibilities": kind.responsibilities})
    if request.method == "POST" and form.is_valid():
        actions.update_responsibilities(kind, by=request.user, **form.cleaned_data)
        messages.success(request, _("已保存“%(name)s”的责任清单。") % {"name": kind.name})
        return redirect("people:kinds")
    return render(request, "people/kind_form.html", {"form": form, "kind": kind, "history": history_of(kind)[:10]})


# --- ledger (台账): Excel export and import -------------------------------------------------

LEDGER_KEY = "people"


@login_required
@require_GET
def person_export(request: AuthenticatedRequest) -> FileResponse:
    """The directory as filtered on the page, as .xlsx (mobiles masked for roles that see them masked)."""
    people = filtered_people(request, PeopleFilterForm(request.GET or None))
    return xlsx_response(PEOPLE_LEDGER, export_rows(people, request.user), dated_filename("人员台账"))


IMPORT_PAGES = LedgerImportPages(
    ledger=PEOPLE_LEDGER,
    key=LEDGER_KEY,
    importer=PeopleImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=_lazy("当前角色无权导入人员台账"),
    title=_lazy("导入人员台账"),
    template_name="人员台账",
    namespace="people",
    list_url_name="people:list",
    list_title=_lazy("人员名录"),
    noun=pgettext_lazy("导入计数", "人"),
    notes=(_lazy("同一所属辖区内手机号相同的人视为同一人，会被更新而不是重复登记。"),),
    record_type="people.person",
)
