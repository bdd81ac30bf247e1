"""The `create_user` command that integrators script against."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from demo.constants import DEMO_PASSWORD, TOWNSHIP_A, VILLAGE_A


def test_create_user_scopes_the_account_to_the_node(db: Any) -> None:
    call_command("create_user", "new_cadre", role="village_cadre", jurisdiction=VILLAGE_A, password=DEMO_PASSWORD, person_name="陈晓")
    user = User.unscoped.get(username="new_cadre")
    assert user.jurisdiction.code == VILLAGE_A and user.jurisdiction_path.endswith(f"/{VILLAGE_A}/")
    assert user.person.name == "陈晓"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "village_cadre", "jurisdiction": TOWNSHIP_A, "password": DEMO_PASSWORD}, "只能绑定到"),
        ({"role": "township_admin", "jurisdiction": "000000", "password": DEMO_PASSWORD}, "不存在"),
        ({"role": "township_admin", "jurisdiction": TOWNSHIP_A, "password": "weak"}, "password"),
    ],
)
def test_create_user_explains_what_is_wrong(kwargs: dict[str, str], message: str, db: Any) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_user", "someone", **kwargs)
    assert not User.unscoped.filter(username="someone").exists()


def test_role_names_are_listed_in_help() -> None:
    from accounts.management.commands.create_user import Command

    for role in ("county_admin", "township_admin", "township_staff", "village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"):
        assert role in Command.help
