"""Two managers checking people into the same shelter at the same moment never overfill it.

PostgreSQL only (SQLite serialises writes). The shelter is committed so two connections see
it, and removed at the end together with its log and audit rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from demo.constants import VILLAGE_A


@pytest.fixture
def committed_shelter(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    from accounts.models import User
    from audit.models import ObjectChange
    from jurisdictions.models import Jurisdiction
    from shelters import actions
    from shelters.models import Shelter, ShelterEvent

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("row locks matter only on PostgreSQL; SQLite serialises writes")
        staff = User.unscoped.get(username="township_staff")
        shelter = actions.create_shelter(by=staff, jurisdiction=Jurisdiction.unscoped.get(code=VILLAGE_A), name="并发测试礼堂", capacity_night=100)
        actions.change_status(shelter, by=staff, status="open")
    try:
        yield staff, shelter
    finally:
        with django_db_blocker.unblock():
            from django.contrib.contenttypes.models import ContentType

            ShelterEvent.unscoped.filter(shelter_id=shelter.pk).delete()
            Shelter.unscoped.filter(pk=shelter.pk).delete()  # queryset delete, for test cleanup only: the model refuses it
            ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(Shelter), object_id=str(shelter.pk)).delete()
            connections.close_all()


def test_two_concurrent_check_ins_of_sixty_into_a_hundred_let_one_through(committed_shelter: tuple[Any, Any], django_db_blocker: Any) -> None:
    from shelters import actions
    from shelters.models import Shelter, ShelterEvent

    staff, shelter = committed_shelter
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def arrive() -> None:
        try:
            with django_db_blocker.unblock():
                fresh = Shelter.unscoped.get(pk=shelter.pk)
                barrier.wait()
                actions.check_in(fresh, by=staff, count=60)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=arrive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    with django_db_blocker.unblock():
        assert Shelter.unscoped.get(pk=shelter.pk).occupancy == 60
        assert ShelterEvent.unscoped.filter(shelter_id=shelter.pk, kind="check_in").count() == 1
