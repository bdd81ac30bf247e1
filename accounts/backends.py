"""Authentication backend that looks users up outside any jurisdiction scope.

Logging in happens before the user's scope is known (the login request is anonymous,
whose scope sees nothing), so the lookup must use the unscoped manager.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class ScopeSafeModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        if username is None or password is None:
            return None
        try:
            user = User.unscoped.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # same cost as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> Any:
        try:
            user = User.unscoped.select_related("jurisdiction", "person").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
