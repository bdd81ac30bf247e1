"""Security basics: production refuses the dev secret, headers, cookies, passwords."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def _django_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "YINGJI_ENV")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','yingji.settings'); django.setup()"],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=60, check=False,
    )


def test_production_refuses_to_start_with_the_dev_secret() -> None:
    result = _django_check({"YINGJI_ENV": "prod", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_real_secrets() -> None:
    result = _django_check({
        "YINGJI_ENV": "prod", "ALLOWED_HOSTS": "example.org",
        "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": "field-key-for-test",
    })
    assert result.returncode == 0, result.stderr


def test_pages_carry_security_headers(db: Any) -> None:
    response = Client().get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # HSTS is off in development


@pytest.mark.parametrize("password", ["short1A!", "password1234", "12345678901", "alllowercaseletters"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted() -> None:
    validate_password("Haian#Station2026")


def test_id_numbers_are_stored_sealed_and_shown_masked(db: Any) -> None:
    from demo.constants import VILLAGE_A
    from jurisdictions.models import Jurisdiction
    from people.models import Person
    from people.protection import unseal

    person = Person(name="测试", mobile="13800001234", jurisdiction=Jurisdiction.unscoped.get(code=VILLAGE_A))
    person.set_id_number("11010519491231002x")
    person.save()
    stored = Person.unscoped.values("id_number_sealed", "id_number_masked").get(pk=person.pk)
    assert "11010519491231002X" not in stored["id_number_sealed"]
    assert unseal(stored["id_number_sealed"]) == "11010519491231002X"
    assert stored["id_number_masked"] == "110***********002X"


def test_ledger_rows_cannot_be_hard_deleted(db: Any) -> None:
    from people.models import Person
    from yingji.models import LedgerDeletionRefused

    with pytest.raises(LedgerDeletionRefused):
        Person.unscoped.first().delete()


def test_interface_is_chinese_even_for_an_english_browser_until_english_is_chosen(db: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode() or "Log in" in client.get("/accounts/login/").content.decode()
