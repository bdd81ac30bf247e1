"""The hazard state machine as data: which action moves a hazard from which states to which.

The table is the single statement of the loop 发现→确认→派单→整改→复核→核销; the action
functions in `hazards.actions` consult it before anything else, and the pages and the API
read it to offer only the actions that are possible now.
"""

from __future__ import annotations

from dataclasses import dataclass

from hazards.choices import HazardState as S


class TransitionRefused(Exception):
    """An action that the hazard's current state does not allow (the API answers 409)."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the state does not change (e.g. an extension)
    label: str


TRANSITIONS: dict[str, Transition] = {
    "confirm": Transition(frozenset({S.REPORTED}), S.CONFIRMED, "确认"),
    "reject": Transition(frozenset({S.REPORTED}), S.REJECTED, "不予认定"),
    "assign": Transition(frozenset({S.CONFIRMED}), S.ASSIGNED, "派单"),
    "start": Transition(frozenset({S.ASSIGNED}), S.RECTIFYING, "开始整改"),
    "submit": Transition(frozenset({S.ASSIGNED, S.RECTIFYING}), S.SUBMITTED, "提交整改"),
    "verify_pass": Transition(frozenset({S.SUBMITTED}), S.VERIFIED, "复核通过"),
    "verify_fail": Transition(frozenset({S.SUBMITTED}), S.RECTIFYING, "复核不通过"),
    "close": Transition(frozenset({S.VERIFIED}), S.CLOSED, "核销"),
    "extend": Transition(frozenset({S.ASSIGNED, S.RECTIFYING}), None, "延期"),
}

STATE_LABELS = dict(S.choices)


def check(action: str, state: str) -> Transition:
    """Return the transition, or raise TransitionRefused with a reason a user can act on."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"未知操作“{action}”，可用操作：{'、'.join(TRANSITIONS)}")
    if state not in transition.sources:
        allowed = "、".join(str(STATE_LABELS[s]) for s in sorted(transition.sources))
        raise TransitionRefused(
            f"隐患当前状态为“{STATE_LABELS.get(state, state)}”，不能执行“{transition.label}”（仅在{allowed}状态下可以）"
        )
    return transition


def available(state: str) -> list[str]:
    """The actions the table allows from `state` (capabilities are checked separately)."""
    return [name for name, t in TRANSITIONS.items() if state in t.sources]
