"""Who is acting right now: the request (or a named system actor) behind every change."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActorContext:
    """Identity of the current change: a user, or a system process such as the seeder."""

    user: Any = None
    system_name: str = ""
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    remote_addr: str | None = None
    request: Any = None

    def resolved_user(self) -> Any:
        if self.user is not None:
            return self.user
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return None


_actor: ContextVar[ActorContext | None] = ContextVar("yingji_actor", default=None)


def current_actor() -> ActorContext | None:
    return _actor.get()


@contextmanager
def acting(ctx: ActorContext) -> Iterator[ActorContext]:
    token = _actor.set(ctx)
    try:
        yield ctx
    finally:
        _actor.reset(token)


def acting_as_system(name: str) -> Any:
    """Attribute changes made by a command or the worker to a named system actor."""
    return acting(ActorContext(system_name=name))
