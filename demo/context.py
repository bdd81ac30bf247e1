"""What the demo steps share: the scale, seeded generators, and what earlier steps created."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from demo.plan import CountyPlan, rng_for

if TYPE_CHECKING:
    from jurisdictions.models import Jurisdiction
    from people.models import Person, Position


@dataclass
class DemoContext:
    """Passed to every step. Steps read what earlier steps stored and add their own records.

    Use `rng(purpose)` rather than a shared generator: a step's data then stays the same
    when another step changes what it draws.
    """

    scale: str
    plan: CountyPlan | None = None
    nodes_by_code: dict[str, Jurisdiction] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    _holders: dict[tuple[str, str], list[Person]] = field(default_factory=lambda: defaultdict(list))

    def rng(self, *purpose: str) -> random.Random:
        """A generator fixed by the scale and `purpose`, identical on every run and database."""
        return rng_for(self.scale, *purpose)

    def nodes(self, level: str) -> list[Jurisdiction]:
        """The created nodes of one level (`jurisdictions.choices.Level`), in code order."""
        return [node for node in self.nodes_by_code.values() if node.level == level]

    def node(self, code: str) -> Jurisdiction:
        return self.nodes_by_code[code]

    def add_position(self, position: Position) -> None:
        """Remember a created position so later steps can find its holder."""
        self.positions.append(position)
        self._holders[(position.jurisdiction.code, position.kind.code)].append(position.person)

    def holders(self, node_code: str, kind_code: str) -> list[Person]:
        """The people holding positions of kind `kind_code` at node `node_code`."""
        return list(self._holders.get((node_code, kind_code), []))
