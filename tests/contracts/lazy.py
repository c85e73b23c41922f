"""Lazily built authorization-matrix objects.

The matrix builds the whole world for every cell of every app, so expensive objects (signed contracts, funded
milestones, timesheets) are made only when a route's path or body actually names them: a ``LazyId`` builds its group
the first time it is formatted into a path or turned into an int, once per world.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.authz import World


class LazyId:
    def __init__(self, world: World, group: str, key: str, make: Callable[[World], dict[str, int]]) -> None:
        self.world, self.group, self.key, self.make = world, group, key, make

    def value(self) -> int:
        built: dict[str, dict[str, int]] = self.world.ids.setdefault("_lazy_built", {})
        if self.group not in built:
            built[self.group] = self.make(self.world)
        return built[self.group][self.key]

    def __format__(self, spec: str) -> str:
        return format(self.value(), spec)

    def __int__(self) -> int:
        return self.value()

    __index__ = __int__

    def __str__(self) -> str:
        return str(self.value())


def lazy_group(world: World, group: str, keys: list[str], make: Callable[[World], dict[str, int]]) -> None:
    for key in keys:
        world.ids[key] = LazyId(world, group, key, make)


def ident(world: World, key: str) -> Any:
    return int(world.ids[key])
