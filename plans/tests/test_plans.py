"""Plans: revision due dates, status transitions, sections, attachments, cards and their audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.tracking import history_of
from people.models import PositionKind
from plans import actions
from plans.choices import PlanStatus
from plans.models import Attachment, Plan
from plans.queries import revision_overdue
from plans.rules import default_revision_due

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("approved", "due"),
    [(date(2024, 5, 1), date(2027, 5, 1)), (date(2024, 2, 29), date(2027, 2, 28)), (None, None)],
)
def test_revision_is_due_three_years_after_approval(approved: date | None, due: date | None) -> None:
    assert default_revision_due(approved) == due


def test_a_new_plan_gets_the_default_due_date_unless_one_is_given(make_plan: Any) -> None:
    assert make_plan().revision_due == date(2027, 5, 1)
    assert make_plan(title="另一件", revision_due=date(2026, 1, 1)).revision_due == date(2026, 1, 1)


def test_re_approving_a_plan_moves_its_revision_due_date(plan: Plan, demo_user: Any) -> None:
    actions.update_plan(plan, by=demo_user("township_staff"), approved_on=date(2025, 3, 1), version="2.0")
    plan = Plan.unscoped.get(pk=plan.pk)
    assert (plan.version, plan.revision_due) == ("2.0", date(2028, 3, 1))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"compiled_on": date(2024, 6, 1), "approved_on": date(2024, 5, 1)}, "approved_on"),
        ({"approved_on": date(2024, 5, 1), "filed_on": date(2024, 4, 1)}, "filed_on"),
        ({"approved_on": None}, "approved_on"),
        ({"approved_on": date(2024, 5, 1), "revision_due": date(2024, 4, 1)}, "revision_due"),
    ],
)
def test_inconsistent_dates_are_refused(make_plan: Any, fields: dict[str, Any], field: str) -> None:
    before = Plan.unscoped.count()
    with pytest.raises(ValidationError) as error:
        make_plan(**fields)
    assert field in error.value.message_dict
    assert Plan.unscoped.count() == before


def test_future_approval_is_refused(make_plan: Any) -> None:
    with pytest.raises(ValidationError, match="不能晚于今天"):
        make_plan(approved_on=timezone.localdate() + timedelta(days=1))


def test_status_follows_the_allowed_transitions(make_plan: Any, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    draft = make_plan(status=PlanStatus.DRAFT, approved_on=None)
    with pytest.raises(ValidationError, match="批准日期"):
        actions.change_plan_status(draft, by=staff, status=PlanStatus.IN_FORCE)
    with pytest.raises(ValidationError, match="不能从"):
        actions.change_plan_status(draft, by=staff, status=PlanStatus.UNDER_REVISION)
    actions.update_plan(draft, by=staff, approved_on=date(2025, 1, 10))
    for status in (PlanStatus.IN_FORCE, PlanStatus.UNDER_REVISION, PlanStatus.IN_FORCE, PlanStatus.SUPERSEDED):
        actions.change_plan_status(draft, by=staff, status=status)
        assert Plan.unscoped.get(pk=draft.pk).status == status
    with pytest.raises(ValidationError):
        actions.change_plan_status(draft, by=staff, status=PlanStatus.IN_FORCE)


def test_revision_overdue_lists_in_use_plans_past_their_due_date(make_plan: Any) -> None:
    overdue = make_plan(title="逾期预案", approved_on=date(2020, 1, 1))
    superseded = make_plan(title="已废止预案", approved_on=date(2020, 1, 1), status=PlanStatus.SUPERSEDED)
    current = make_plan(title="有效预案", approved_on=date(2025, 1, 1))
    listed = set(revision_overdue(Plan.unscoped.all()).values_list("pk", flat=True))
    assert overdue.pk in listed and superseded.pk not in listed and current.pk not in listed
    assert overdue.is_revision_overdue() and not current.is_revision_overdue()


def test_sections_are_replaced_in_order_and_audited(plan: Plan, demo_user: Any) -> None:
    actions.set_sections(plan, by=demo_user("township_staff"), sections=[("总则", "新的总则"), ("保障措施", "物资"), ("附则", "")])
    assert [(s.heading, s.body) for s in plan.sections.order_by("position")] == [("总则", "新的总则"), ("保障措施", "物资"), ("附则", "")]
    with pytest.raises(ValidationError, match="缺少标题"):
        actions.set_sections(plan, by=demo_user("township_staff"), sections=[("", "没有标题的正文")])
    assert plan.sections.count() == 3
    assert any(change.after.get("body") == "新的总则" for change in history_of(*plan.sections.all()))


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("预案.pdf", b"%PDF-1.7 real", True),
        ("照片.png", b"\x89PNG\r\n\x1a\n....", True),
        ("预案.docx", b"PK\x03\x04....", True),
        ("假的.pdf", b"MZ\x90\x00 an exe", False),
        ("脚本.exe", b"MZ\x90\x00", False),
        ("空的.pdf", b"", False),
    ],
)
def test_attachments_must_be_real_documents(plan: Plan, demo_user: Any, name: str, content: bytes, ok: bool, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, content)
    if ok:
        attachment = actions.add_attachment(plan, by=demo_user("township_staff"), upload=upload)
        assert attachment.name == name and attachment.size == len(content) and attachment.jurisdiction_id == plan.jurisdiction_id
        assert attachment.file.name.startswith("plans/")
    else:
        with pytest.raises(ValidationError):
            actions.add_attachment(plan, by=demo_user("township_staff"), upload=upload)
        assert not Attachment.unscoped.filter(plan=plan).exists()


def test_position_card_steps_are_cleaned_and_required(plan: Plan, demo_user: Any) -> None:
    kind = PositionKind.objects.get(code="village_manager")
    card = actions.create_card(plan, by=demo_user("township_staff"), position_kind=kind, steps="1. 接报核实\n2、组织转移\n\n报告站里", report_to="管理站", report_within_minutes=15)
    assert card.steps == ["接报核实", "组织转移", "报告站里"]
    assert card.title == "村(社区)应急消防管理员应急处置卡"
    with pytest.raises(ValidationError, match="至少填写一个"):
        actions.create_card(plan, by=demo_user("township_staff"), position_kind=kind, steps="  \n")


def test_read_only_roles_cannot_edit_plans(plan: Plan, demo_user: Any) -> None:
    for role in ("leader", "auditor", "grid_worker"):
        with pytest.raises(PermissionDenied):
            actions.update_plan(plan, by=demo_user(role), title="改")
    assert Plan.unscoped.get(pk=plan.pk).title == plan.title


def test_drill_rules(plan: Plan, make_plan: Any, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError, match="计划日期或实施日期"):
        actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="无日期", kind="live")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="未来", kind="live", conducted_on=timezone.localdate() + timedelta(days=2))
    with pytest.raises(ValidationError, match="实施后才能填写评估"):
        actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="先评", kind="live", planned_on=date(2030, 1, 1), evaluation="好")
    draft = make_plan(title="草案", status=PlanStatus.DRAFT, approved_on=None)
    with pytest.raises(ValidationError, match="草案"):
        actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="练草案", kind="live", plan=draft, planned_on=date(2030, 1, 1))


def test_follow_up_actions_need_a_conducted_drill_and_a_hazard_note(plan: Plan, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    planned = actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="计划中", kind="live", planned_on=date(2030, 1, 1))
    with pytest.raises(ValidationError, match="实施后"):
        actions.add_drill_action(planned, by=staff, description="x")
    done = actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="已实施", kind="live", conducted_on=date(2025, 6, 1))
    with pytest.raises(ValidationError, match="隐患情况"):
        actions.add_drill_action(done, by=staff, description="护栏缺失", becomes_hazard=True)
    item = actions.add_drill_action(done, by=staff, description="护栏缺失", becomes_hazard=True, hazard_note="河堤护栏缺失 20 米")
    actions.update_drill_action(item, by=staff, done=True)
    item.refresh_from_db()
    assert item.done and item.done_on == timezone.localdate() and item.becomes_hazard
    actions.update_drill_action(item, by=staff, done=False)
    item.refresh_from_db()
    assert not item.done and item.done_on is None


def test_a_follow_up_marked_as_a_hazard_enters_the_hazard_loop_once(plan: Plan, demo_user: Any, client: Any) -> None:
    from hazards.models import Hazard

    staff = demo_user("township_staff")
    done = actions.create_drill(by=staff, jurisdiction=plan.jurisdiction, title="防汛演练", kind="live", conducted_on=date(2025, 6, 1))
    plain = actions.add_drill_action(done, by=staff, description="补充沙袋")
    assert actions.hazard_of(plain) is None
    item = actions.add_drill_action(done, by=staff, description="护栏缺失", becomes_hazard=True, hazard_note="河堤护栏缺失 20 米")
    hazard = actions.hazard_of(item)
    assert hazard is not None
    assert (hazard.source, hazard.state, hazard.jurisdiction_id) == ("drill", "reported", plan.jurisdiction_id)
    assert "河堤护栏缺失 20 米" in hazard.description and hazard.reported_by == staff
    actions.update_drill_action(item, by=staff, done=True)
    actions.update_drill_action(plain, by=staff, becomes_hazard=True, hazard_note="仓库沙袋不足")
    assert Hazard.unscoped.filter(source_app=actions.DRILL_SOURCE_APP).count() == 2

    client.force_login(staff)
    page = client.get(f"/plans/drills/{done.pk}/").content.decode()
    assert hazard.number in page


def test_training_cannot_be_in_the_future(demo_user: Any, plan: Plan) -> None:
    with pytest.raises(ValidationError, match="不能晚于今天"):
        actions.create_training(by=demo_user("township_staff"), jurisdiction=plan.jurisdiction, held_on=timezone.localdate() + timedelta(days=1),
                                kind="training", audience="school", topic="x")
