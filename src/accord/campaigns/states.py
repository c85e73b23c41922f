"""State machines as plain transition tables, and the campaign lifecycle (DESIGN §4). Pure: no Django models.

``Machine.next(current, action)`` returns the new state or raises ``IllegalTransition`` naming the entity, its state
and the refused action, so every illegal step fails the same, clear way (HTTP 409). ``contracts`` reuses ``Machine``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accord.core.errors import IllegalTransition


@dataclass(frozen=True)
class Machine:
    entity: str
    states: tuple[str, ...]
    table: Mapping[tuple[str, str], str]

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(sorted({action for _, action in self.table}))

    def allowed(self, current: str, action: str) -> bool:
        return (current, action) in self.table

    def next(self, current: str, action: str) -> str:
        try:
            return self.table[(current, action)]
        except KeyError:
            raise IllegalTransition(self.entity, current, action) from None

    def actions_from(self, current: str) -> list[str]:
        return sorted(action for state, action in self.table if state == current)


CAMPAIGN = Machine(
    "campaign",
    ("draft", "open", "active", "completed", "cancelled"),
    {
        ("draft", "open"): "open",
        ("draft", "cancel"): "cancelled",
        ("open", "activate"): "active",
        ("open", "cancel"): "cancelled",
        ("active", "complete"): "completed",
        ("active", "cancel"): "cancelled",
    },
)
# Campaigns whose brief may still be edited.
EDITABLE = frozenset({"draft", "open"})
# Campaigns that may still take new offers or applications.
RECRUITING = frozenset({"draft", "open", "active"})
