"""Test-wide fixtures: the `small` demo county is loaded once into the test database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Seed the small demo county once; each test then runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        call_command("seed_demo", scale="small", verbosity=0)
