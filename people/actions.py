"""Every change to people and positions goes through these functions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people.models import Person, Position, PositionKind
from people.validators import validate_id_number
from yingji import actions

PERSON_EDITABLE = ("name", "gender", "mobile", "organization", "title", "note", "jurisdiction")


def _set_id_number(person: Person, raw: str | None) -> bool:
    if raw is None:
        return False
    raw = raw.strip().upper()
    if raw:
        try:
            validate_id_number(raw)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
    person.set_id_number(raw)
    return True


@transaction.atomic
def create_person(*, by: Any, jurisdiction: Jurisdiction, id_number: str | None = None, **fields: Any) -> Person:
    actions.require(by, Capability.EDIT_REGISTRY)
    person = Person(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in PERSON_EDITABLE})
    _set_id_number(person, id_number)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def update_person(person: Person, *, by: Any, id_number: str | None = None, **changes: Any) -> Person:
    actions.require(by, Capability.EDIT_REGISTRY)
    person = actions.locked(person)
    changed = actions.apply_changes(person, {k: v for k, v in changes.items() if k in PERSON_EDITABLE})
    if _set_id_number(person, id_number):
        changed += ["id_number_sealed", "id_number_masked"]
    if not changed:
        return person
    person.full_clean()
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    person.save(update_fields=[*changed, "updated_at"])
    return person


@transaction.atomic
def archive_person(person: Person, *, by: Any, reason: str = "") -> Person:
    actions.require(by, Capability.EDIT_REGISTRY)
    person = actions.locked(person)
    for position in person.positions.current():
        end_position(position, by=by, on=timezone.localdate())
    return actions.archive(person, by=by, reason=reason)


@transaction.atomic
def restore_person(person: Person, *, by: Any) -> Person:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.restore(actions.locked(person), by=by)


@transaction.atomic
def appoint(
    *,
    by: Any,
    person: Person,
    kind: PositionKind,
    jurisdiction: Jurisdiction,
    start_date: date | None = None,
    is_primary: bool = False,
    note: str = "",
) -> Position:
    """Give a person a position in a jurisdiction (任职)."""
    actions.require(by, Capability.MANAGE_POSITIONS)
    if kind.level and kind.level != jurisdiction.level:
        raise ValidationError({"jurisdiction": f"“{kind.name}”岗位只能设在{kind.get_level_label()}"})
    duplicate = Position.objects.current().filter(person=person, kind=kind, jurisdiction=jurisdiction).exists()
    if duplicate:
        raise ValidationError({"kind": f"{person.name} 已担任 {jurisdiction.name} 的{kind.name}"})
    position = Position(
        person=person,
        kind=kind,
        jurisdiction=jurisdiction,
        start_date=start_date or timezone.localdate(),
        is_primary=is_primary,
        note=note,
    )
    position.full_clean()
    position.save()
    return position


@transaction.atomic
def end_position(position: Position, *, by: Any, on: date | None = None) -> Position:
    """End a position (离任); the row stays as history."""
    actions.require(by, Capability.MANAGE_POSITIONS)
    position = actions.locked(position)
    if position.end_date is not None:
        return position
    position.end_date = on or timezone.localdate()
    if position.start_date and position.end_date < position.start_date:
        raise ValidationError({"end_date": "离任日期不能早于任职日期"})
    position.save(update_fields=["end_date", "updated_at"])
    return position


@transaction.atomic
def update_responsibilities(kind: PositionKind, *, by: Any, responsibilities: str) -> PositionKind:
    """Edit a position kind's responsibility list (责任清单)."""
    actions.require(by, Capability.MANAGE_VOCABULARY)
    kind = actions.locked(kind)
    if kind.responsibilities == responsibilities:
        return kind
    kind.responsibilities = responsibilities
    kind.save(update_fields=["responsibilities", "updated_at"])
    return kind
