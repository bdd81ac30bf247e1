"""Every change to plans, position cards, drills, follow-up actions and training events.

Each function checks the capability, locks the row, validates with messages that say
what to fix, and saves only what changed; audited models leave their trail on save.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people.models import PositionKind
from plans.choices import PLAN_TRANSITIONS, PlanStatus
from plans.models import Attachment, Drill, DrillAction, Plan, PlanSection, PositionCard, Training
from plans.rules import ALLOWED_ATTACHMENTS, ATTACHMENT_MAX_BYTES, DOCUMENT_TYPES, IMAGE_TYPES, default_revision_due
from yingji import actions

PLAN_EDITABLE = ("title", "kind", "place", "version", "compiled_on", "approved_on", "filed_on", "revision_due", "summary", "jurisdiction")
CARD_EDITABLE = ("title", "position_kind", "steps", "contacts", "report_to", "report_what", "report_within_minutes")
DRILL_EDITABLE = (
    "title", "kind", "plan", "planned_on", "conducted_on", "organiser", "participants", "participant_units",
    "scenario", "evaluation", "rating", "jurisdiction",
)
DRILL_SOURCE_APP = "plans.drill"
ACTION_EDITABLE = ("description", "owner", "deadline", "done", "done_on", "becomes_hazard", "hazard_note")
TRAINING_EDITABLE = ("held_on", "kind", "audience", "topic", "attendance", "organiser", "location", "note", "jurisdiction")


def _within(child_path: str, parent_path: str) -> bool:
    return child_path.startswith(parent_path)


# --- plans ---------------------------------------------------------------------------------


def _check_plan(plan: Plan) -> None:
    errors: dict[str, str] = {}
    if plan.compiled_on and plan.approved_on and plan.approved_on < plan.compiled_on:
        errors["approved_on"] = "批准日期不能早于编制日期"
    if plan.approved_on and plan.filed_on and plan.filed_on < plan.approved_on:
        errors["filed_on"] = "备案日期不能早于批准日期"
    if plan.approved_on and plan.revision_due and plan.revision_due <= plan.approved_on:
        errors["revision_due"] = "修订期限应晚于批准日期"
    today = timezone.localdate()
    for name in ("compiled_on", "approved_on", "filed_on"):
        value = getattr(plan, name)
        if value and value > today:
            errors[name] = "日期不能晚于今天"
    if plan.status in (PlanStatus.IN_FORCE, PlanStatus.UNDER_REVISION) and not plan.approved_on:
        errors["approved_on"] = "现行有效的预案须填写批准日期"
    if plan.place_id and plan.place is not None and not _within(plan.place.jurisdiction_path, plan.jurisdiction.path):
        errors["place"] = "所属单位场所不在预案编制辖区内"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_plan(
    *, by: Any, jurisdiction: Jurisdiction, status: str = PlanStatus.DRAFT, sections: Sequence[tuple[str, str]] | None = None, **fields: Any
) -> Plan:
    actions.require(by, Capability.EDIT_REGISTRY)
    data = {k: v for k, v in fields.items() if k in PLAN_EDITABLE and k != "jurisdiction"}
    plan = Plan(jurisdiction=jurisdiction, status=status, **data)
    if plan.revision_due is None:
        plan.revision_due = default_revision_due(plan.approved_on)
    plan.full_clean()
    _check_plan(plan)
    plan.save()
    if sections:
        set_sections(plan, by=by, sections=sections)
    return plan


@transaction.atomic
def update_plan(plan: Plan, *, by: Any, **changes: Any) -> Plan:
    """Edit a plan. A new approval date moves the revision due date unless one is given too."""
    actions.require(by, Capability.EDIT_REGISTRY)
    plan = actions.locked(plan)
    data = {k: v for k, v in changes.items() if k in PLAN_EDITABLE}
    if "approved_on" in data and "revision_due" not in data and data["approved_on"] != plan.approved_on:
        data["revision_due"] = default_revision_due(data["approved_on"])
    changed = actions.apply_changes(plan, data)
    if not changed:
        return plan
    plan.full_clean()
    _check_plan(plan)
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    plan.save(update_fields=[*changed, "updated_at"])
    return plan


@transaction.atomic
def change_plan_status(plan: Plan, *, by: Any, status: str) -> Plan:
    """draft → in force → under revision → in force …; superseded is final."""
    actions.require(by, Capability.EDIT_REGISTRY)
    plan = actions.locked(plan)
    if status == plan.status:
        return plan
    if status not in PlanStatus.values:
        raise ValidationError({"status": f"状态应为 {', '.join(PlanStatus.values)} 之一"})
    if status not in PLAN_TRANSITIONS[PlanStatus(plan.status)]:
        raise ValidationError({"status": f"不能从“{plan.get_status_display()}”变为“{PlanStatus(status).label}”"})
    plan.status = status
    _check_plan(plan)
    plan.save(update_fields=["status", "updated_at"])
    return plan


@transaction.atomic
def set_sections(plan: Plan, *, by: Any, sections: Sequence[tuple[str, str]]) -> list[PlanSection]:
    """Replace a plan's sections with `(heading, body)` pairs in order; unchanged ones are kept."""
    actions.require(by, Capability.EDIT_REGISTRY)
    plan = actions.locked(plan)
    cleaned = [(heading.strip(), body.strip()) for heading, body in sections if heading.strip() or body.strip()]
    for number, (heading, _body) in enumerate(cleaned, start=1):
        if not heading:
            raise ValidationError({"sections": f"第 {number} 节缺少标题"})
        if len(heading) > 60:
            raise ValidationError({"sections": f"第 {number} 节标题过长（不超过 60 字）"})
    existing = list(plan.sections.order_by("position", "id"))
    kept: list[PlanSection] = []
    for position, (heading, body) in enumerate(cleaned):
        if position < len(existing):
            section = existing[position]
            if (section.heading, section.body, section.position) != (heading, body, position):
                section.heading, section.body, section.position = heading, body, position
                section.save(update_fields=["heading", "body", "position", "updated_at"])
        else:
            section = PlanSection.objects.create(plan=plan, position=position, heading=heading, body=body)
        kept.append(section)
    for section in existing[len(cleaned):]:
        section.delete()
    return kept


@transaction.atomic
def archive_plan(plan: Plan, *, by: Any, reason: str = "") -> Plan:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(plan), by=by, reason=reason)


# --- attachments ---------------------------------------------------------------------------


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The extension and content type of an acceptable file, or a ValidationError saying why not."""
    name = upload.name or ""
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_ATTACHMENTS:
        raise ValidationError({"file": f"不支持的文件类型“{ext or '无扩展名'}”；可上传 PDF、Word（.docx/.doc）、Excel（.xlsx）或图片（.jpg/.png/.webp）"})
    size = upload.size or 0
    if size <= 0:
        raise ValidationError({"file": "文件是空的"})
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": f"文件过大（{size // (1024 * 1024)} MB），单个附件不超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in ALLOWED_ATTACHMENTS[ext]):
        raise ValidationError({"file": f"文件内容不是{ext}格式（可能是改了扩展名的其他文件）；请上传原始文件"})
    return ext, IMAGE_TYPES.get(ext) or DOCUMENT_TYPES[ext]


@transaction.atomic
def add_attachment(owner: Plan | Drill | Training, *, by: Any, upload: UploadedFile) -> Attachment:
    actions.require(by, Capability.EDIT_REGISTRY)
    _ext, content_type = check_upload(upload)
    attachment = Attachment(
        jurisdiction=owner.jurisdiction,
        name=os.path.basename(upload.name or "附件")[:200],
        size=upload.size or 0,
        content_type=content_type,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    if isinstance(owner, Plan):
        attachment.plan = owner
    elif isinstance(owner, Drill):
        attachment.drill = owner
    else:
        attachment.training = owner
    attachment.file.save(attachment.name, upload, save=False)
    attachment.save()
    return attachment


# --- position cards --------------------------------------------------------------------------


def _clean_steps(steps: Any) -> list[str]:
    if isinstance(steps, str):
        steps = steps.splitlines()
    cleaned = [str(s).strip().lstrip("0123456789.、） )").strip() for s in steps or [] if str(s).strip()]
    if not cleaned:
        raise ValidationError({"steps": "请至少填写一个处置步骤（每行一步）"})
    if len(cleaned) > 30:
        raise ValidationError({"steps": "处置步骤不超过 30 步；请精简"})
    return cleaned


@transaction.atomic
def create_card(plan: Plan, *, by: Any, position_kind: PositionKind, **fields: Any) -> PositionCard:
    actions.require(by, Capability.EDIT_REGISTRY)
    data = {k: v for k, v in fields.items() if k in CARD_EDITABLE}
    data["steps"] = _clean_steps(data.get("steps"))
    data.setdefault("title", f"{position_kind.name}应急处置卡")
    card = PositionCard(plan=plan, jurisdiction=plan.jurisdiction, position_kind=position_kind, **data)
    card.full_clean()
    card.save()
    return card


@transaction.atomic
def update_card(card: PositionCard, *, by: Any, **changes: Any) -> PositionCard:
    actions.require(by, Capability.EDIT_REGISTRY)
    card = actions.locked(card)
    data = {k: v for k, v in changes.items() if k in CARD_EDITABLE}
    if "steps" in data:
        data["steps"] = _clean_steps(data["steps"])
    changed = actions.apply_changes(card, data)
    if changed:
        card.full_clean()
        card.save(update_fields=[*changed, "updated_at"])
    return card


@transaction.atomic
def archive_card(card: PositionCard, *, by: Any) -> PositionCard:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(card), by=by)


# --- drills ------------------------------------------------------------------------------------


def _check_drill(drill: Drill) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if drill.planned_on is None and drill.conducted_on is None:
        errors["planned_on"] = "请填写计划日期或实施日期"
    if drill.conducted_on and drill.conducted_on > today:
        errors["conducted_on"] = "实施日期不能晚于今天；尚未实施的演练请只填计划日期"
    if drill.conducted_on is None and (drill.evaluation or drill.rating):
        errors["evaluation"] = "演练实施后才能填写评估"
    if drill.plan_id and drill.plan is not None and drill.plan.status == PlanStatus.DRAFT:
        errors["plan"] = "草案状态的预案不能作为演练预案；请先将预案设为现行有效"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_drill(*, by: Any, jurisdiction: Jurisdiction, **fields: Any) -> Drill:
    actions.require(by, Capability.EDIT_REGISTRY)
    data = {k: v for k, v in fields.items() if k in DRILL_EDITABLE and k != "jurisdiction"}
    drill = Drill(jurisdiction=jurisdiction, **data)
    drill.full_clean()
    _check_drill(drill)
    drill.save()
    return drill


@transaction.atomic
def update_drill(drill: Drill, *, by: Any, **changes: Any) -> Drill:
    actions.require(by, Capability.EDIT_REGISTRY)
    drill = actions.locked(drill)
    changed = actions.apply_changes(drill, {k: v for k, v in changes.items() if k in DRILL_EDITABLE})
    if not changed:
        return drill
    drill.full_clean()
    _check_drill(drill)
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    drill.save(update_fields=[*changed, "updated_at"])
    return drill


@transaction.atomic
def conduct_drill(
    drill: Drill, *, by: Any, conducted_on: date, participants: int, evaluation: str = "", rating: str = "", **more: Any
) -> Drill:
    """Record that a planned drill took place, with its evaluation."""
    return update_drill(drill, by=by, conducted_on=conducted_on, participants=participants, evaluation=evaluation, rating=rating, **more)


@transaction.atomic
def archive_drill(drill: Drill, *, by: Any, reason: str = "") -> Drill:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(drill), by=by, reason=reason)


def _check_action(item: DrillAction) -> None:
    if item.becomes_hazard and not item.hazard_note.strip():
        raise ValidationError({"hazard_note": "转为隐患的整改事项请写明隐患情况（位置、问题），以便隐患模块登记"})
    if item.done and item.done_on is None:
        item.done_on = timezone.localdate()
    if not item.done:
        item.done_on = None


@transaction.atomic
def add_drill_action(drill: Drill, *, by: Any, **fields: Any) -> DrillAction:
    actions.require(by, Capability.EDIT_REGISTRY)
    if drill.conducted_on is None:
        raise ValidationError({"description": "演练实施后才能登记整改事项"})
    item = DrillAction(drill=drill, jurisdiction=drill.jurisdiction, **{k: v for k, v in fields.items() if k in ACTION_EDITABLE})
    _check_action(item)
    item.full_clean()
    item.save()
    _register_hazard(item, by=by)
    return item


@transaction.atomic
def update_drill_action(item: DrillAction, *, by: Any, **changes: Any) -> DrillAction:
    actions.require(by, Capability.EDIT_REGISTRY)
    item = actions.locked(item)
    changed = actions.apply_changes(item, {k: v for k, v in changes.items() if k in ACTION_EDITABLE})
    if not changed:
        return item
    before = item.done_on
    _check_action(item)
    if item.done_on != before and "done_on" not in changed:
        changed.append("done_on")
    item.full_clean()
    item.save(update_fields=[*changed, "updated_at"])
    _register_hazard(item, by=by)
    return item


def hazard_of(item: DrillAction) -> Any:
    """The hazard a drill's follow-up action was registered as, if any."""
    from hazards.models import Hazard

    return Hazard.objects.filter(source_app=DRILL_SOURCE_APP, source_ref=str(item.pk)).first()


def _register_hazard(item: DrillAction, *, by: Any) -> None:
    """A follow-up marked "转为隐患" enters the hazard loop once, as a reported hazard of the drill's area.

    The hazard then lives its own life (confirm, assign, rectify …); unticking the box later
    does not withdraw it, since a station may already be acting on it.
    """
    if not item.becomes_hazard or hazard_of(item) is not None:
        return
    from hazards import actions as hazard_actions
    from hazards.choices import HazardCategory, HazardSource, HazardType

    hazard_actions.report_hazard(
        by=by,
        jurisdiction=item.jurisdiction,
        category=HazardCategory.OTHER,
        hazard_type=HazardType.OTHER,
        description=f"{item.hazard_note.strip()}（{item.drill}演练发现：{item.description}）"[:2000],
        source=HazardSource.DRILL,
        source_app=DRILL_SOURCE_APP,
        source_ref=str(item.pk),
        reporter_label=item.owner,
    )


# --- training and publicity ----------------------------------------------------------------------


def _check_training(training: Training) -> None:
    if training.held_on and training.held_on > timezone.localdate():
        raise ValidationError({"held_on": "活动日期不能晚于今天（只登记已开展的活动）"})


@transaction.atomic
def create_training(*, by: Any, jurisdiction: Jurisdiction, **fields: Any) -> Training:
    actions.require(by, Capability.EDIT_REGISTRY)
    training = Training(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in TRAINING_EDITABLE and k != "jurisdiction"})
    training.full_clean()
    _check_training(training)
    training.save()
    return training


@transaction.atomic
def update_training(training: Training, *, by: Any, **changes: Any) -> Training:
    actions.require(by, Capability.EDIT_REGISTRY)
    training = actions.locked(training)
    changed = actions.apply_changes(training, {k: v for k, v in changes.items() if k in TRAINING_EDITABLE})
    if not changed:
        return training
    training.full_clean()
    _check_training(training)
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    training.save(update_fields=[*changed, "updated_at"])
    return training


@transaction.atomic
def archive_training(training: Training, *, by: Any, reason: str = "") -> Training:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(training), by=by, reason=reason)
