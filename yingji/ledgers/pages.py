"""The import pages every registry shares: upload → (column mapping) → preview → confirm → result.

One `LedgerImportPages` per ledger, declared in the app's views and mounted with `urls()`
(or `keyed_urls()` when one app has several ledgers behind ``import/<ledger>/``). The views:

- `upload_view`: the upload form; a posted file is stashed (`uploads`) and checked by a dry
  run of the real import, so the preview lists exactly what the import would refuse; a
  posted token re-checks a stashed file, with the user's column mapping when ``remap`` is set;
- `confirm_view`: imports the previewed file, all rows or none (htmx swaps the result in place);
- `template_view`: the empty .xlsx with its instructions sheet;
- `job_view`: for ledgers registered with `yingji.ledgers.background`, files above the
  threshold are checked and imported by the worker; this page shows an htmx-polled progress
  bar and, once the job is done, the same preview or result as the synchronous path.

The templates are generic (`templates/ledgers/`); the page passes its URLs and wording in
the context, so a registry only declares its nouns and notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yingji.http import AuthenticatedRequest
from yingji.ledgers import background, uploads
from yingji.ledgers.importing import ImportReport, RowImporter, run_import
from yingji.ledgers.reading import LedgerFileError, Table, read_table
from yingji.ledgers.spec import Ledger
from yingji.ledgers.writing import template_response

Text = str | Promise  # a plain or lazily translated string
RECENT_JOBS = 5


def _upload_form(*args: Any) -> Any:
    # The form lives with the first registry that had it (people); imported late so that
    # `yingji.ledgers` stays importable without the people app's forms.
    from people.forms import LedgerUploadForm

    return LedgerUploadForm(*args)


@dataclass(frozen=True)
class LedgerImportPages:
    """The import pages of one ledger.

    `key` names the ledger for `uploads` (a token only works for the ledger it was stashed
    for) and for `background` (register it there to have large files run in the worker).
    `namespace` is the app's URL namespace and `url_args` the arguments every import URL
    takes (e.g. ``("members",)`` under ``import/<ledger>/``). `noun` is what the counts
    count (“人”, “支队伍”, “份”); `notes` are extra lines for the help box.
    """

    ledger: Ledger
    key: str
    importer: Callable[[Any], RowImporter]
    capability: str
    refusal: Text
    title: Text  # “导入人员台账”
    template_name: str  # file name of the downloaded template, e.g. “人员台账”
    namespace: str
    list_url_name: str  # where “返回” goes, e.g. “people:list”
    list_title: Text  # breadcrumb and “查看…” wording, e.g. “人员名录”
    noun: Text
    notes: Sequence[Text] = ()
    url_args: tuple[str, ...] = ()
    record_type: str = ""  # app_label.model for the audit link after an import
    links: Sequence[tuple[Text, str, tuple[Any, ...]]] = field(default=())  # extra buttons: label, URL name, args
    names: Mapping[str, str] = field(
        default_factory=lambda: {"import": "import", "confirm": "import_confirm", "template": "import_template", "job": "import_job"}
    )

    # --- URLs and context ---------------------------------------------------------------------

    def url(self, which: str, *extra: Any) -> str:
        return reverse(f"{self.namespace}:{self.names[which]}", args=[*self.url_args, *extra])

    @property
    def in_background(self) -> bool:
        try:
            background.registered(self.key)
        except KeyError:
            return False
        return True

    def _context(self, report: ImportReport | None, pending: uploads.PendingUpload | None) -> dict[str, Any]:
        """What every page shows: the wording, the URLs, the report and the column-mapping form."""
        mappable: list[dict[str, Any]] = []
        if report is not None and pending is not None:
            mapped = set(pending.mapping)
            unknown = {position for position, _header in report.unknown}
            for position, header in enumerate(report.headers):
                if header and (header in mapped or position in unknown):
                    mappable.append({"position": position, "header": header, "current": pending.mapping.get(header, "")})
        return {
            "pages": self,
            "urls": {
                "import": self.url("import"),
                "confirm": self.url("confirm"),
                "template": self.url("template"),
                "list": reverse(self.list_url_name),
            },
            "links": [(label, reverse(name, args=args)) for label, name, args in self.links],
            "report": report,
            "pending": pending,
            "mappable": mappable,
            "columns": self.ledger.import_columns(),
            "ledger": self.ledger,
            "threshold": background.registered(self.key).threshold if self.in_background else None,
        }

    def _refuse_unless_allowed(self, request: AuthenticatedRequest) -> None:
        if not request.user.can(self.capability):
            raise PermissionDenied(str(self.refusal))

    def _recent_jobs(self, request: AuthenticatedRequest) -> list[tuple[Any, str]]:
        """The user's last background checks and imports of this ledger, with their pages."""
        if not self.in_background:
            return []
        from jobs.models import ImportJob

        jobs = ImportJob.objects.filter(user=request.user, ledger=self.key).order_by("-created_at", "-id")[:RECENT_JOBS]
        return [(job, self.url("job", job.pk)) for job in jobs]

    def _to_job(self, request: AuthenticatedRequest, job: Any) -> HttpResponse:
        target = self.url("job", job.pk)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

    def _large_by_size(self, pending: uploads.PendingUpload) -> bool:
        return background.runs_in_background(self.key, size=pending.path.stat().st_size)

    # --- views ----------------------------------------------------------------------------------

    def upload_view(self, request: AuthenticatedRequest, **_url_kwargs: Any) -> HttpResponse:
        """Upload → preview (a dry run of the real import). Nothing is written before the confirmation."""
        self._refuse_unless_allowed(request)
        if request.method == "POST" and request.POST.get("token"):
            try:
                pending = uploads.load(request.POST["token"], user=request.user, ledger=self.key)
            except uploads.PendingUploadMissing:
                messages.error(request, _("上传的文件已过期（只保留 1 小时）或不存在，请重新上传。"))
                return redirect(self.url("import"))
            return self._preview(request, pending, _upload_form())
        form = _upload_form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > self.ledger.byte_limit:
                form.add_error(
                    "file",
                    _("文件过大，单次导入不超过 %(mb)d MB；请拆分成几个文件分批导入。") % {"mb": self.ledger.byte_limit // (1024 * 1024)},
                )
            else:
                return self._preview(request, uploads.stash(upload, user=request.user, ledger=self.key), form)
        context = {"form": form, "recent_jobs": self._recent_jobs(request), **self._context(None, None)}
        return render(request, "ledgers/import.html", context)

    def _preview(self, request: AuthenticatedRequest, pending: uploads.PendingUpload, form: Any) -> HttpResponse:
        # A file that is certainly large is not read in the request at all.
        table: Table | None = None
        if not self._large_by_size(pending):
            try:
                with pending.open() as upload:
                    table = read_table(upload, pending.filename, self.ledger)
            except LedgerFileError as exc:
                uploads.discard(pending.token)
                form.add_error(None, str(exc))
                return render(request, "ledgers/import.html", {"form": form, **self._context(None, None)})
        if request.POST.get("remap"):
            pending.save_mapping(self._posted_mapping(request, table))
        if table is None:
            return self._to_job(request, background.enqueue(pending, user=request.user, ledger_key=self.key, dry_run=True))
        if background.runs_in_background(self.key, len(table.rows)):
            job = background.enqueue(pending, user=request.user, ledger_key=self.key, dry_run=True, total_rows=len(table.rows))
            return self._to_job(request, job)
        report = run_import(self.ledger, table, self.importer(request.user), mapping=pending.mapping, dry_run=True)
        return render(request, "ledgers/import.html", {"form": form, **self._context(report, pending)})

    def _posted_mapping(self, request: AuthenticatedRequest, table: Table | None) -> dict[str, str]:
        """The mapping form's choices: ``map-<position>`` = column key, for the header at that position.

        The form names each header it offers (``header-<position>``), so a large file need not
        be read again; without that field the header comes from the file itself.
        """
        choices = {c.key for c in self.ledger.import_columns()}
        mapping: dict[str, str] = {}
        for name in request.POST:
            chosen = request.POST.get(name, "")
            if not name.startswith("map-") or chosen not in choices:
                continue
            position = name.removeprefix("map-")
            header = request.POST.get(f"header-{position}", "")
            if not header and table is not None and position.isdigit() and int(position) < len(table.headers):
                header = table.headers[int(position)] or ""
            if header:
                mapping[header] = chosen
        return mapping

    def confirm_view(self, request: AuthenticatedRequest, **_url_kwargs: Any) -> HttpResponse:
        """Import the previewed file: all rows or, if anything changed since the preview, none."""
        self._refuse_unless_allowed(request)
        template = "ledgers/_import_result.html" if request.headers.get("HX-Request") else "ledgers/import_result.html"
        expired = {"expired": True, **self._context(None, None)}
        try:
            pending = uploads.load(request.POST.get("token", ""), user=request.user, ledger=self.key)
        except uploads.PendingUploadMissing:
            return render(request, template, expired)
        table: Table | None = None
        if not self._large_by_size(pending):
            try:
                with pending.open() as upload:
                    table = read_table(upload, pending.filename, self.ledger)
            except LedgerFileError:
                return render(request, template, expired)
        if table is None or background.runs_in_background(self.key, len(table.rows)):
            total = len(table.rows) if table is not None else 0
            job = background.enqueue(pending, user=request.user, ledger_key=self.key, dry_run=False, total_rows=total)
            return self._to_job(request, job)
        report = run_import(self.ledger, table, self.importer(request.user), mapping=pending.mapping, dry_run=False)
        if report.applied:
            uploads.discard(pending.token)
        context = {**self._context(report, pending), "today": timezone.localdate(), "expired": False}
        return render(request, template, context)

    def template_view(self, request: AuthenticatedRequest, **_url_kwargs: Any) -> FileResponse:
        return template_response(self.ledger, self.template_name)

    def job_view(self, request: AuthenticatedRequest, pk: int, **_url_kwargs: Any) -> HttpResponse:
        """A background check or import: progress while it runs (htmx polls), then the report."""
        if not self.in_background:
            raise Http404
        from jobs.models import ImportJob

        job = get_object_or_404(ImportJob.objects, pk=pk, user=request.user, ledger=self.key)
        done, total = background.progress(job)
        report = background.stored_report(job)
        pending = None
        if report is not None and job.dry_run:
            try:
                pending = uploads.load(job.upload_token, user=request.user, ledger=self.key)
            except uploads.PendingUploadMissing:
                pending = None
        context = {
            **self._context(report, pending),
            "job": job,
            "job_url": self.url("job", job.pk),
            "done": done,
            "total": total,
            "percent": int(done * 100 / total) if total else 0,
            "today": timezone.localdate(),
            "expired": False,
            "form": _upload_form(),
        }
        polled = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "job-status"
        if polled and not job.is_finished:
            return render(request, "ledgers/_job_status.html", context)
        if polled:  # finished: the whole page shows the report
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "ledgers/import_job.html", context)

    # --- URL patterns ---------------------------------------------------------------------------

    def views(self) -> dict[str, Callable[..., HttpResponseBase]]:
        """The views with their decorators, by the same keys as `names`."""
        return {
            "import": login_required(self.upload_view),
            "confirm": login_required(require_POST(self.confirm_view)),
            "template": login_required(require_GET(self.template_view)),
            "job": login_required(require_GET(self.job_view)),
        }

    def urls(self, prefix: str = "import/") -> list[URLPattern]:
        """``import/``, ``import/template.xlsx``, ``import/confirm/`` and ``import/jobs/<pk>/`` for an app's urls.py."""
        views = self.views()
        return _patterns(prefix, views, self.names)


def _patterns(prefix: str, views: Mapping[str, Callable[..., HttpResponseBase]], names: Mapping[str, str]) -> list[URLPattern]:
    return [
        path(prefix, views["import"], name=names["import"]),
        path(f"{prefix}template.xlsx", views["template"], name=names["template"]),
        path(f"{prefix}confirm/", views["confirm"], name=names["confirm"]),
        path(f"{prefix}jobs/<int:pk>/", views["job"], name=names["job"]),
    ]


def keyed_urls(pages: Mapping[str, LedgerImportPages], prefix: str = "import/", kwarg: str = "ledger") -> list[URLPattern]:
    """One set of URLs for several ledgers of an app: ``import/<ledger>/…``; an unknown ledger is a 404.

    Each `LedgerImportPages` must have ``url_args=(its key in `pages`,)`` so its own links
    point back to it.
    """

    def dispatch(which: str) -> Callable[..., HttpResponseBase]:
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            chosen = pages.get(kwargs.pop(kwarg))
            if chosen is None:
                raise Http404
            return chosen.views()[which](request, **kwargs)

        return view

    first = next(iter(pages.values()))
    views = {which: dispatch(which) for which in ("import", "confirm", "template", "job")}
    return _patterns(f"{prefix}<str:{kwarg}>/", views, first.names)
