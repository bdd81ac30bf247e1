"""The hazard loop through its action functions: transitions, rights, deadlines, extensions, supervision, photos."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hazards import actions, colours, machine
from hazards.choices import HazardState
from hazards.machine import TransitionRefused
from hazards.models import DeadlineExtension, DeadlinePolicy, Hazard, HazardEvent, HazardPhoto
from hazards.tests.core_fixtures import *  # noqa: F403
from hazards.tests.core_fixtures import not_image, png

pytestmark = pytest.mark.django_db

ALL_STATES = [s.value for s in HazardState]
ILLEGAL = [
    (state, action) for action, t in machine.TRANSITIONS.items() for state in ALL_STATES if state not in t.sources
]


def today() -> Any:
    return timezone.localdate()


def _call(action: str, h: Hazard, users: dict[str, Any]) -> Any:
    """Call an action with a valid body as someone who may do it, so only the state can refuse it."""
    staff, county = users["township_staff"], users["county_admin"]
    later = today() + timedelta(days=60)
    calls = {
        "confirm": lambda: actions.confirm(h, by=staff),
        "reject": lambda: actions.reject(h, by=staff, reason="不属于隐患"),
        "assign": lambda: actions.assign(h, by=staff, deadline=later, department="市场监管所"),
        "start": lambda: actions.start(h, by=staff),
        "submit": lambda: actions.submit(h, by=staff, note="已整改"),
        "verify_pass": lambda: actions.verify_pass(h, by=county),
        "verify_fail": lambda: actions.verify_fail(h, by=county, reason="仍有杂物"),
        "close": lambda: actions.close(h, by=county),
        "extend": lambda: actions.extend(h, by=staff, deadline=later, reason="材料未到"),
    }
    return calls[action]()


class TestReporting:
    def test_grid_worker_reports_a_hazard_with_a_number_an_event_and_the_place_location(
        self, make_hazard: Any, place: Any
    ) -> None:
        h = make_hazard()
        assert h.state == HazardState.REPORTED
        assert h.number.startswith(f"YH330225{today():%Y%m%d}") and len(h.number) == 20
        assert (h.lat, h.lng) == (place.lat, place.lng)
        assert h.jurisdiction_id == place.jurisdiction_id
        [event] = h.events.all()
        assert (event.action, event.from_state, event.to_state, event.actor.username) == (
            "report",
            "",
            "reported",
            "grid_worker",
        )

    def test_numbers_of_one_day_are_consecutive_and_unique(self, make_hazard: Any) -> None:
        first, second = make_hazard(), make_hazard()
        assert int(second.number[-4:]) == int(first.number[-4:]) + 1

    def test_enterprise_user_reports_self_inspection_findings_only_for_their_own_place(
        self, users: dict[str, Any], make_hazard: Any, place: Any
    ) -> None:
        from places.models import Place

        neighbour = Place.unscoped.filter(jurisdiction=place.jurisdiction).exclude(pk=place.pk).first()
        h = make_hazard(by=users["enterprise_user"], source="self_inspection")
        assert h.reported_by == users["enterprise_user"]
        with pytest.raises(ValidationError, match="单位自查"):
            make_hazard(by=users["enterprise_user"], source="patrol")
        with pytest.raises(PermissionDenied, match="本单位关联的场所"):
            make_hazard(by=users["enterprise_user"], on=neighbour, source="self_inspection")

    def test_leader_and_auditor_cannot_report(self, users: dict[str, Any], make_hazard: Any) -> None:
        for name in ("leader", "auditor"):
            with pytest.raises(PermissionDenied):
                make_hazard(by=users[name])

    def test_township_user_cannot_report_in_another_township(
        self, users: dict[str, Any], make_hazard: Any, other_place: Any
    ) -> None:
        with pytest.raises(PermissionDenied, match="本辖区"):
            make_hazard(by=users["township_staff"], on=other_place)

    def test_bad_vocabulary_is_refused_naming_each_field(self, make_hazard: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            make_hazard(category="bad", hazard_type="bad", severity="huge", source="rumour", description=" ")
        assert set(caught.value.message_dict) == {"category", "hazard_type", "severity", "source", "description"}

    def test_system_code_reports_without_a_user_into_a_jurisdiction(self, place: Any) -> None:
        h = actions.report_hazard(
            by=None,
            jurisdiction=place.jurisdiction,
            category="other",
            hazard_type="flood",
            description="山塘渗水",
            source="alarm",
            source_app="iot",
            source_ref="42",
            reporter_label="水位监测",
        )
        assert h.place is None and h.reporter_label == "水位监测"
        assert h.events.get().actor_label == "系统"


class TestLoop:
    def test_the_whole_loop_writes_one_event_per_step_with_who_and_when(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "closed")
        events = list(h.events.order_by("at", "id"))
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            ("report", "", "reported"),
            ("confirm", "reported", "confirmed"),
            ("assign", "confirmed", "assigned"),
            ("start", "assigned", "rectifying"),
            ("submit", "rectifying", "submitted"),
            ("verify_pass", "submitted", "verified"),
            ("close", "verified", "closed"),
        ]
        assert [e.actor.username for e in events[1:]] == [
            "township_staff",
            "township_staff",
            "enterprise_user",
            "enterprise_user",
            "township_staff",
            "township_admin",
        ]
        assert h.closed_by == users["township_admin"] and h.rectified_by == users["enterprise_user"]
        assert events[2].data["deadline"] == (today() + timedelta(days=10)).isoformat()

    def test_verification_failure_returns_to_rectifying_and_may_be_submitted_again(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "submitted")
        h = actions.verify_fail(h, by=users["township_staff"], reason="灭火器仍过期")
        assert h.state == HazardState.RECTIFYING and h.submitted_at is None
        h = actions.submit(h, by=users["enterprise_user"], note="已更换灭火器")
        assert h.state == HazardState.SUBMITTED

    def test_reject_records_the_reason(self, make_hazard: Any, users: dict[str, Any]) -> None:
        with pytest.raises(ValidationError, match="原因"):
            actions.reject(make_hazard(), by=users["township_staff"], reason="  ")
        h = actions.reject(make_hazard(), by=users["township_staff"], reason="重复上报")
        assert h.state == HazardState.REJECTED and h.rejection_reason == "重复上报"

    @pytest.mark.parametrize(("state", "action"), ILLEGAL)
    def test_every_illegal_transition_is_refused_and_changes_nothing(
        self, state: str, action: str, make_hazard: Any, users: dict[str, Any]
    ) -> None:
        h = make_hazard()
        Hazard.unscoped.filter(pk=h.pk).update(state=state)
        before = Hazard.unscoped.values().get(pk=h.pk)
        with pytest.raises(TransitionRefused, match="不能执行"):
            _call(action, h, users)
        assert Hazard.unscoped.values().get(pk=h.pk) == before
        assert HazardEvent.objects.filter(hazard=h).count() == 1
        assert not DeadlineExtension.objects.filter(hazard=h).exists()

    def test_a_stale_copy_is_judged_by_the_state_in_the_database(self, make_hazard: Any, users: dict[str, Any]) -> None:
        h = make_hazard()
        stale = Hazard.unscoped.get(pk=h.pk)
        actions.confirm(h, by=users["township_staff"])
        with pytest.raises(TransitionRefused, match="已确认"):
            actions.reject(stale, by=users["township_admin"], reason="误报")


class TestRights:
    @pytest.mark.parametrize("role", ["village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"])
    def test_roles_without_hazard_management_cannot_confirm_reject_assign_verify_or_close(
        self, role: str, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        user = users[role]
        h = make_hazard()
        for call in (
            lambda: actions.confirm(h, by=user),
            lambda: actions.reject(h, by=user, reason="x"),
        ):
            with pytest.raises(PermissionDenied):
                call()
        confirmed = drive(make_hazard(), "confirmed")
        with pytest.raises(PermissionDenied):
            actions.assign(confirmed, by=user, department="x")
        submitted = drive(make_hazard(), "submitted")
        with pytest.raises(PermissionDenied):
            actions.verify_pass(submitted, by=user)
        with pytest.raises(PermissionDenied):
            actions.verify_fail(submitted, by=user, reason="x")
        verified = drive(make_hazard(), "verified")
        with pytest.raises(PermissionDenied):
            actions.close(verified, by=user)

    def test_only_the_assignee_or_hazard_staff_may_start_submit_or_ask_for_more_time(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        for name in ("grid_worker", "village_cadre", "leader"):
            with pytest.raises(PermissionDenied, match="整改责任人"):
                actions.start(h, by=users[name])
            with pytest.raises(PermissionDenied, match="整改责任人"):
                actions.submit(h, by=users[name], note="x")
            with pytest.raises(PermissionDenied, match="整改责任人"):
                actions.extend(h, by=users[name], deadline=today() + timedelta(days=40), reason="x")
        assert actions.start(h, by=users["township_staff"]).state == HazardState.RECTIFYING

    def test_major_hazard_is_closed_only_by_the_county(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(severity="major"), "verified")
        for name in ("township_admin", "township_staff"):
            with pytest.raises(PermissionDenied, match="县级"):
                actions.close(h, by=users[name])
        assert Hazard.unscoped.get(pk=h.pk).state == HazardState.VERIFIED
        assert actions.close(h, by=users["county_admin"]).state == HazardState.CLOSED

    def test_who_submitted_the_rectification_cannot_verify_it(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        h = actions.submit(h, by=users["township_staff"], note="代为提交整改")
        with pytest.raises(PermissionDenied, match="不能自己复核"):
            actions.verify_pass(h, by=users["township_staff"])
        with pytest.raises(PermissionDenied, match="不能自己复核"):
            actions.verify_fail(h, by=users["township_staff"], reason="x")
        assert actions.verify_pass(h, by=users["township_admin"]).verified_by == users["township_admin"]

    def test_allowed_actions_follow_state_role_and_person(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = make_hazard()
        assert {"confirm", "reject"} <= set(actions.allowed_actions(h, users["township_staff"]))
        assert actions.allowed_actions(h, users["leader"]) == []
        h = drive(h, "assigned")
        mine = actions.allowed_actions(h, users["enterprise_user"])
        assert {"start", "submit", "extend"} <= set(mine) and "close" not in mine
        assert "start" not in actions.allowed_actions(h, users["grid_worker"])
        h = drive(make_hazard(severity="major"), "verified")
        assert "close" not in actions.allowed_actions(h, users["township_admin"])
        assert "close" in actions.allowed_actions(h, users["county_admin"])


class TestDeadlines:
    def test_default_deadline_comes_from_the_policy_by_severity(self, make_hazard: Any, users: dict[str, Any]) -> None:
        staff = users["township_staff"]
        general = actions.assign(actions.confirm(make_hazard(), by=staff), by=staff)
        major = actions.assign(actions.confirm(make_hazard(severity="major"), by=staff), by=staff)
        policy = DeadlinePolicy.objects.get(jurisdiction__isnull=True)
        assert general.deadline == today() + timedelta(days=policy.general_days)
        assert major.deadline == today() + timedelta(days=policy.major_days)
        assert general.original_deadline == general.deadline
        assert general.yellow_from == colours.yellow_from(
            today(), general.deadline, days=policy.yellow_days, percent=policy.yellow_percent
        )
        assert general.reminder_level == 0

    def test_the_most_specific_policy_up_the_tree_applies(
        self, make_hazard: Any, users: dict[str, Any], place: Any
    ) -> None:
        township = place.jurisdiction.parent.parent
        DeadlinePolicy.objects.create(
            jurisdiction=township, general_days=7, major_days=20, yellow_days=1, yellow_percent=10
        )
        staff = users["township_staff"]
        h = actions.assign(actions.confirm(make_hazard(), by=staff), by=staff)
        assert h.deadline == today() + timedelta(days=7)
        assert h.yellow_from == today() + timedelta(days=6)

    def test_a_deadline_in_the_past_is_refused(self, make_hazard: Any, drive: Any, users: dict[str, Any]) -> None:
        h = drive(make_hazard(), "confirmed")
        with pytest.raises(ValidationError, match="已经过去"):
            actions.assign(h, by=users["township_staff"], deadline=today() - timedelta(days=1), department="x")
        assert Hazard.unscoped.get(pk=h.pk).state == HazardState.CONFIRMED

    def test_default_assignee_is_the_places_fire_safety_manager_recorded_as_a_person(
        self, make_hazard: Any, drive: Any, users: dict[str, Any], place: Any
    ) -> None:
        from people.models import Person

        h = actions.assign(drive(make_hazard(), "confirmed"), by=users["township_staff"])
        assert (h.assignee_name, h.assignee_mobile) == ("王管理", "13912340001")
        person = Person.unscoped.get(pk=h.assignee_person_id)
        assert (person.mobile, person.organization, person.title) == ("13912340001", place.name, "消防安全管理人")
        # A second hazard of the same place finds the same person rather than adding another.
        again = actions.assign(drive(make_hazard(), "confirmed"), by=users["township_staff"])
        assert again.assignee_person_id == person.pk

    def test_default_assignee_is_the_linked_account_whose_person_has_the_managers_mobile(
        self, make_hazard: Any, drive: Any, users: dict[str, Any], place: Any
    ) -> None:
        enterprise = users["enterprise_user"]
        place.fire_manager_mobile = enterprise.person.mobile
        place.save(update_fields=["fire_manager_mobile"])
        h = actions.assign(drive(make_hazard(), "confirmed"), by=users["township_staff"])
        assert h.assignee_user == enterprise

    def test_an_assignee_who_cannot_see_the_hazard_is_refused(
        self, make_hazard: Any, drive: Any, users: dict[str, Any], outsiders: Any
    ) -> None:
        h = drive(make_hazard(), "confirmed")
        with pytest.raises(ValidationError):
            actions.assign(h, by=users["county_admin"], assignee=outsiders["grid_worker"])

    def test_staff_extend_at_once_and_the_colour_clock_restarts(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        Hazard.unscoped.filter(pk=h.pk).update(reminder_level=2)
        new = today() + timedelta(days=40)
        ext = actions.extend(h, by=users["township_staff"], deadline=new, reason="需采购设备")
        h.refresh_from_db()
        assert ext.state == "approved" and ext.decided_by == users["township_staff"]
        assert (h.deadline, h.original_deadline, h.reminder_level) == (new, today() + timedelta(days=10), 0)
        assert h.yellow_from == actions._yellow(h, today(), new)
        assert h.events.order_by("-at", "-id").first().action == "extend"

    def test_the_assignees_request_waits_for_approval_then_moves_the_deadline(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "rectifying")
        old = h.deadline
        ext = actions.extend(h, by=users["enterprise_user"], deadline=today() + timedelta(days=30), reason="等待厂家")
        assert ext.state == "pending" and Hazard.unscoped.get(pk=h.pk).deadline == old
        with pytest.raises(TransitionRefused, match="待审批"):
            actions.extend(h, by=users["enterprise_user"], deadline=today() + timedelta(days=31), reason="再次申请")
        with pytest.raises(PermissionDenied):
            actions.decide_extension(ext, by=users["enterprise_user"], approve=True)
        assert "decide_extension" in actions.allowed_actions(Hazard.unscoped.get(pk=h.pk), users["township_staff"])
        actions.decide_extension(ext, by=users["township_staff"], approve=True, note="同意")
        assert Hazard.unscoped.get(pk=h.pk).deadline == today() + timedelta(days=30)
        with pytest.raises(TransitionRefused, match="已处理"):
            actions.decide_extension(ext, by=users["township_staff"], approve=False, note="x")
        assert [e.action for e in h.events.order_by("at", "id")][-2:] == ["extend_request", "extension_approved"]

    def test_a_refusal_needs_a_reason_and_keeps_the_deadline(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        ext = actions.extend(h, by=users["enterprise_user"], deadline=today() + timedelta(days=30), reason="等待厂家")
        with pytest.raises(ValidationError, match="理由"):
            actions.decide_extension(ext, by=users["township_staff"], approve=False)
        actions.decide_extension(ext, by=users["township_staff"], approve=False, note="期限足够")
        assert Hazard.unscoped.get(pk=h.pk).deadline == h.deadline
        assert DeadlineExtension.objects.get(pk=ext.pk).state == "refused"

    def test_a_new_deadline_must_be_later_than_the_current_one(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        with pytest.raises(ValidationError, match="晚于当前期限"):
            actions.extend(h, by=users["township_staff"], deadline=h.deadline, reason="x")
        with pytest.raises(ValidationError, match="已经过去"):
            actions.extend(h, by=users["township_staff"], deadline=today() - timedelta(days=1), reason="x")


class TestMajorHazards:
    def test_confirming_as_major_starts_county_supervision_and_tells_the_county(
        self, make_hazard: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
    ) -> None:
        from notifications.models import Notification

        with django_capture_on_commit_callbacks(execute=True):
            h = actions.confirm(make_hazard(), by=users["township_staff"], severity="major")
        assert h.severity == "major" and h.supervised and h.supervised_at is not None
        notice = Notification.unscoped.get(topic="hazard.major", source_id=str(h.pk))
        assert h.number in notice.title

    def test_the_county_sets_supervision_deadline_and_leader_a_township_cannot(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(severity="major"), "assigned")
        with pytest.raises(PermissionDenied):
            actions.supervise(h, by=users["township_admin"], deadline=today() + timedelta(days=60), leader="张副县长")
        h = actions.supervise(
            h, by=users["county_admin"], deadline=today() + timedelta(days=60), leader="张副县长", unit="县应急管理局"
        )
        assert (h.supervision_leader, h.supervision_unit, h.supervision_deadline) == (
            "张副县长",
            "县应急管理局",
            today() + timedelta(days=60),
        )
        general = drive(make_hazard(), "assigned")
        with pytest.raises(ValidationError, match="重大"):
            actions.supervise(general, by=users["county_admin"], deadline=today() + timedelta(days=5), leader="x")

    def test_a_major_determination_raises_a_general_hazard_into_supervision(
        self, make_hazard: Any, drive: Any, users: dict[str, Any]
    ) -> None:
        h = drive(make_hazard(), "assigned")
        h = actions.record_determination(
            h, by=users["township_staff"], result={"basis": ["6.6"], "rule_version": "GB35181-2017"}, major=True
        )
        assert h.severity == "major" and h.supervised
        assert h.determination["basis"] == ["6.6"]
        assert h.events.order_by("-id").first().action == "determination"


class TestSideEffects:
    def test_confirm_and_assign_raise_a_risk_signal_that_closing_resolves(
        self, make_hazard: Any, drive: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
    ) -> None:
        from risk.models import PlaceSignal

        with django_capture_on_commit_callbacks(execute=True):
            h = drive(make_hazard(), "assigned")
        signal = PlaceSignal.unscoped.get(source_app="hazards", source_ref=str(h.pk))
        assert signal.kind == "hazard_open" and signal.resolved_at is None
        with django_capture_on_commit_callbacks(execute=True):
            drive(h, "closed")
        signal.refresh_from_db()
        assert signal.resolved_at is not None

    def test_assigning_notifies_the_assignee(
        self, make_hazard: Any, drive: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
    ) -> None:
        from notifications.models import Escalation, Notification

        with django_capture_on_commit_callbacks(execute=True):
            h = drive(make_hazard(), "assigned")
        notice = Notification.unscoped.get(topic="hazard.assigned", source_id=str(h.pk))
        keys = set(Escalation.unscoped.filter(notification=notice).values_list("recipient_key", flat=True))
        assert keys == {f"p:{users['enterprise_user'].person_id}"}


class TestPhotos:
    def test_photos_are_stored_per_stage(self, make_hazard: Any, drive: Any, users: dict[str, Any]) -> None:
        h = make_hazard(photos=[png("a.png"), png("b.png")])
        h = drive(h, "assigned")
        actions.submit(h, by=users["enterprise_user"], note="已整改", photos=[png("after.png")])
        stages = list(HazardPhoto.objects.filter(hazard=h).values_list("stage", flat=True))
        assert sorted(stages) == ["evidence", "found", "found"]
        # Stored under a random name in the hazard's folder, never the uploaded one.
        for photo in HazardPhoto.objects.filter(hazard=h):
            assert re.fullmatch(rf"hazards/{h.pk}/[0-9a-f]{{32}}\.png", photo.image.name), photo.image.name

    def test_a_file_that_is_not_an_image_is_refused_by_name_and_nothing_is_saved(self, make_hazard: Any) -> None:
        count = Hazard.unscoped.count()
        with pytest.raises(ValidationError, match=r"报告\.png.*不是图片"):
            make_hazard(photos=[png("ok.png"), not_image("报告.png")])
        assert Hazard.unscoped.count() == count

    def test_a_photo_over_ten_megabytes_is_refused(self, make_hazard: Any, drive: Any, users: dict[str, Any]) -> None:
        h = make_hazard()
        with pytest.raises(ValidationError, match=r"big\.png.*过大"):
            actions.add_photos(
                h, by=users["grid_worker"], files=[png("big.png", size=10 * 1024 * 1024 + 1)], stage="found"
            )
        assert not HazardPhoto.objects.filter(hazard=h).exists()

    def test_more_than_nine_photos_at_once_are_refused(self, make_hazard: Any, users: dict[str, Any]) -> None:
        with pytest.raises(ValidationError, match="最多上传 9 张"):
            make_hazard(photos=[png(f"{i}.png") for i in range(10)])

    def test_the_reporter_may_add_photos_a_stranger_may_not(self, make_hazard: Any, users: dict[str, Any]) -> None:
        h = make_hazard()
        assert len(actions.add_photos(h, by=users["grid_worker"], files=[png()], stage="found")) == 1
        with pytest.raises(PermissionDenied):
            actions.add_photos(h, by=users["leader"], files=[png()], stage="found")


class TestMeasures:
    def test_interim_measures_are_recorded_on_the_timeline(self, make_hazard: Any, users: dict[str, Any]) -> None:
        h = actions.set_interim_measures(make_hazard(), by=users["township_staff"], text="设置警戒线，专人看护")
        assert h.interim_measures == "设置警戒线，专人看护"
        assert h.events.order_by("-id").first().action == "interim_measures"
        with pytest.raises(PermissionDenied):
            actions.set_interim_measures(h, by=users["grid_worker"], text="x")
