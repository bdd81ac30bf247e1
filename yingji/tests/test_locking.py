"""Every public function that locks rows runs in a transaction.

`select_for_update()` outside a transaction is an error on PostgreSQL and silently nothing on
SQLite, so a missing `@transaction.atomic` passes every SQLite test and the API tests (which
run inside a test transaction) and breaks only on a real PostgreSQL request. This reads the
source instead: private helpers (`_lock`, `_editable` …) are left to their public callers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCKING_CALLS = ("locked(", "select_for_update(")
LOCK_HELPERS = {"yingji/actions.py:locked"}  # the helper itself; its callers are what is checked


def _project_modules() -> list[Path]:
    paths = []
    for app in ROOT.iterdir():
        if not (app / "apps.py").exists():
            continue
        for path in app.rglob("*.py"):
            if not {"tests", "migrations"} & set(path.parts):
                paths.append(path)
    return paths


def _unprotected(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        if f"{path.relative_to(ROOT)}:{node.name}" in LOCK_HELPERS:
            continue
        body = ast.get_source_segment(text, node) or ""
        if not any(call in body for call in LOCKING_CALLS):
            continue
        decorators = " ".join(ast.get_source_segment(text, d) or "" for d in node.decorator_list)
        if "atomic" not in decorators and "transaction.atomic()" not in body:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return found


def test_row_locks_are_taken_inside_a_transaction() -> None:
    modules = _project_modules()
    assert len(modules) > 100
    offenders = [hit for path in modules for hit in _unprotected(path)]
    assert offenders == []
