"""Test-wide fixtures: the `small` demo county is loaded once into the test database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Seed the small demo county once; each test then runs in a rolled-back transaction."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "test" not in name.rsplit("/", 1)[-1]:
        raise RuntimeError(f"refusing to seed a non-test database: {name}")
    with django_db_blocker.unblock():
        call_command("seed_demo", scale="small", verbosity=0)


# --- personas -------------------------------------------------------------------------
# Demo accounts live in township A (丹东街道); `outsiders` hold every role in township B
# (石浦镇), so "a user from another township sees nothing of yours" can be checked per role.


def _first_child(code: str) -> Any:
    from jurisdictions.models import Jurisdiction

    return Jurisdiction.unscoped.filter(parent__code=code).order_by("code").first()


@pytest.fixture
def demo_user(db: Any) -> Any:
    from accounts.models import User

    def get(username: str) -> Any:
        return User.unscoped.select_related("jurisdiction").get(username=username)

    return get


@pytest.fixture
def outsiders(db: Any) -> dict[str, Any]:
    """One account per role scoped inside township B, keyed by role."""
    from accounts.roles import Role
    from accounts.services import create_account
    from demo.constants import DEMO_PASSWORD, TOWNSHIP_B
    from jurisdictions.models import Jurisdiction

    township = Jurisdiction.unscoped.get(code=TOWNSHIP_B)
    village = _first_child(TOWNSHIP_B)
    grid = _first_child(village.code)
    where = {
        Role.TOWNSHIP_ADMIN: township,
        Role.TOWNSHIP_STAFF: township,
        Role.VILLAGE_CADRE: village,
        Role.GRID_WORKER: grid,
        Role.ENTERPRISE_USER: grid,
        Role.LEADER: township,
        Role.AUDITOR: township,
    }
    return {
        role.value: create_account(
            username=f"outsider_{role.value}", role=role.value, jurisdiction=node, password=DEMO_PASSWORD
        )
        for role, node in where.items()
    }


@pytest.fixture
def api_as() -> Any:
    """A test client that sends a bearer token for the given user."""
    from django.test import Client

    from accounts.models import ApiToken

    def make(user: Any) -> Client:
        _, raw = ApiToken.issue(user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make
