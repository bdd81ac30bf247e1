"""Upload → preview → confirm pages for the ledgers of the plans and shelters apps.

The same three steps as the people import (`people/views.py`), written once for the four
ledgers here (shelters, plans, drills, training): a `LedgerPage` names the ledger, its
importer and the URL names, and the views below do the rest with the toolkit's
`uploads`, `read_table` and `run_import` (a dry run for the preview, the real run on confirm).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Capability
from people.forms import LedgerUploadForm
from yingji.http import AuthenticatedRequest
from yingji.ledgers import ImportReport, Ledger, LedgerFileError, read_table, run_import, uploads


@dataclass(frozen=True)
class LedgerPage:
    key: str  # the uploads' ledger key
    ledger: Ledger
    importer: Callable[[Any], Any]
    title: str
    import_url: str
    confirm_url: str
    template_url: str
    back_url: str
    back_label: str


def _urls(page: LedgerPage) -> dict[str, str]:
    return {
        "import_url": reverse(page.import_url),
        "confirm_url": reverse(page.confirm_url),
        "template_url": reverse(page.template_url),
        "back_url": reverse(page.back_url),
    }


def _context(page: LedgerPage, report: ImportReport | None, pending: uploads.PendingUpload | None) -> dict[str, Any]:
    mappable: list[dict[str, Any]] = []
    if report is not None and pending is not None:
        mapped = set(pending.mapping)
        for position, header in enumerate(report.headers):
            if header and (header in mapped or any(p == position for p, _h in report.unknown)):
                mappable.append({"position": position, "header": header, "current": pending.mapping.get(header, "")})
    return {
        "page": page,
        "report": report,
        "pending": pending,
        "mappable": mappable,
        "columns": page.ledger.import_columns(),
        "ledger": page.ledger,
        **_urls(page),
    }


def _require(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(_("当前角色无权导入台账"))


def _preview(request: AuthenticatedRequest, page: LedgerPage, pending: uploads.PendingUpload, form: LedgerUploadForm) -> HttpResponse:
    try:
        with pending.open() as upload:
            table = read_table(upload, pending.filename, page.ledger)
    except LedgerFileError as exc:
        uploads.discard(pending.token)
        form.add_error(None, str(exc))
        return render(request, "plans/ledger_import.html", {"form": form, **_context(page, None, None)})
    if request.POST.get("remap"):
        choices = {c.key for c in page.ledger.import_columns()}
        mapping = {}
        for position, header in enumerate(table.headers):
            chosen = request.POST.get(f"map-{position}", "")
            if header and chosen in choices:
                mapping[header] = chosen
        pending.save_mapping(mapping)
    report = run_import(page.ledger, table, page.importer(request.user), mapping=pending.mapping, dry_run=True)
    return render(request, "plans/ledger_import.html", {"form": form, **_context(page, report, pending)})


def import_view(request: AuthenticatedRequest, page: LedgerPage) -> HttpResponse:
    """Upload and preview (a dry run); nothing is written before the confirmation."""
    _require(request)
    if request.method == "POST" and request.POST.get("token"):
        try:
            pending = uploads.load(request.POST["token"], user=request.user, ledger=page.key)
        except uploads.PendingUploadMissing:
            messages.error(request, _("上传的文件已过期（只保留 1 小时）或不存在，请重新上传。"))
            return redirect(page.import_url)
        return _preview(request, page, pending, LedgerUploadForm())
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > page.ledger.byte_limit:
            form.add_error("file", _("文件过大，单次导入不超过 %(mb)d MB；请拆分后分批导入。") % {"mb": page.ledger.byte_limit // (1024 * 1024)})
        else:
            return _preview(request, page, uploads.stash(upload, user=request.user, ledger=page.key), form)
    return render(request, "plans/ledger_import.html", {"form": form, **_context(page, None, None)})


def confirm_view(request: AuthenticatedRequest, page: LedgerPage) -> HttpResponse:
    """Import the previewed file: every row, or none if anything changed since the preview."""
    _require(request)
    if request.method != "POST":
        return redirect(page.import_url)
    context: dict[str, Any] = {"page": page, **_urls(page)}
    try:
        pending = uploads.load(request.POST.get("token", ""), user=request.user, ledger=page.key)
        with pending.open() as upload:
            table = read_table(upload, pending.filename, page.ledger)
    except (uploads.PendingUploadMissing, LedgerFileError):
        return render(request, "plans/ledger_import_result.html", {**context, "expired": True, "report": None})
    report = run_import(page.ledger, table, page.importer(request.user), mapping=pending.mapping, dry_run=False)
    if report.applied:
        uploads.discard(pending.token)
    return render(request, "plans/ledger_import_result.html", {**context, "report": report, "expired": False})
