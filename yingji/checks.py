"""System checks that keep the scoping mechanism from being bypassed by accident."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks


@checks.register()
def scoped_models_use_scoped_manager(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every model with a `scope_path_field` must have a scope-applying default manager."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not hasattr(model, "scope_path_field"):
            continue
        if not getattr(model._default_manager, "applies_scope", False):
            errors.append(
                checks.Error(
                    f"{model._meta.label} is jurisdiction-bound but its default manager does not apply the jurisdiction scope",
                    obj=model,
                    id="yingji.E001",
                )
            )
    return errors
