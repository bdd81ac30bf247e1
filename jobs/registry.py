"""Where apps register background work.

- `@periodic("name", every=timedelta(...))`: a job run at most once per interval across
  all workers.
- `@on_tick("name")`: called on every worker tick; for outbox drainers that claim their
  own rows (see `jobs.claiming.claim_rows`).

Apps put these in a `jobs.py` module, which the worker imports at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], Any]


PERIODIC: dict[str, PeriodicJob] = {}
TICK_HANDLERS: dict[str, Callable[[], Any]] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        PERIODIC[name] = PeriodicJob(name, every, func)
        return func

    return register


def on_tick(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        TICK_HANDLERS[name] = func
        return func

    return register


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
