"""What each name holds on one path of the interpreted code: a copy-on-write mapping.

The interpreter forks the state at every `if`, loop, `try`, `break` and `return`, and joins the
arms again. Copying a dict of every module-level name at each fork, and joining every name at each
join, made a file of n names and n branches cost n**2 (50 s for 116 KB of generated code). Here a
fork is O(1): the state's own writes are frozen into a layer that the forks share, and each fork
writes into a dict of its own. A join asks each arm which names it wrote since the fork
(`written_since`), so it costs what the arms changed, not what the module holds.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

_GONE: Any = object()  # a name deleted in a layer, over a value in a layer below
_MISSING: Any = object()
# Reads walk the layers: past this many, a state's layers are merged into one (what was written
# since a fork older than the merge is then every name: correct, and rare).
_DEPTH_LIMIT = 24


class _Layer:
    """Frozen writes of one path, over the layer it was written on."""

    __slots__ = ("values", "parent", "depth")

    def __init__(self, values: dict[str, Any], parent: _Layer | None) -> None:
        self.values = values
        self.parent = parent
        self.depth: int = 1 if parent is None else parent.depth + 1


# What `Env.freeze` returns and `Env.written_since` takes: a point of a state's history.
Fork = Optional[_Layer]


class Env:
    """Names and the values they hold: writes of its own over shared, frozen layers."""

    __slots__ = ("own", "base")

    def __init__(self, base: Fork = None) -> None:
        self.own: dict[str, Any] = {}
        self.base = base

    # ---- reading ------------------------------------------------------------------------------

    def get(self, name: str, default: Any = None) -> Any:
        value = self.own.get(name, _MISSING)
        layer = self.base
        while value is _MISSING and layer is not None:
            value = layer.values.get(name, _MISSING)
            layer = layer.parent
        return default if value is _MISSING or value is _GONE else value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name, _MISSING) is not _MISSING

    def __getitem__(self, name: str) -> Any:
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every name and its value (the whole state: for the end of a scope, not for joins)."""
        return iter(self._merged().items())

    def keys(self) -> Iterator[str]:
        return iter(self._merged())

    def _merged(self) -> dict[str, Any]:
        layers = []
        layer = self.base
        while layer is not None:
            layers.append(layer.values)
            layer = layer.parent
        merged: dict[str, Any] = {}
        for values in reversed(layers):
            merged.update(values)
        merged.update(self.own)
        return {name: value for name, value in merged.items() if value is not _GONE}

    # ---- writing ------------------------------------------------------------------------------

    def __setitem__(self, name: str, value: Any) -> None:
        self.own[name] = value

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.own[name] = _GONE

    def update(self, values: Mapping[str, Any]) -> None:
        self.own.update(values)

    # ---- paths --------------------------------------------------------------------------------

    def freeze(self) -> Fork:
        """The state as a layer others may share: this state's later writes go above it."""
        if self.own:
            self.base = _Layer(self.own, self.base)
            self.own = {}
            if self.base.depth > _DEPTH_LIMIT:
                self.base = _Layer(self._merged(), None)
        return self.base

    def fork(self) -> Env:
        """Another path from this state, which neither path's later writes change."""
        return Env(self.freeze())

    def become(self, other: Env) -> None:
        """This state is now what `other` holds (which stays as it is)."""
        self.base = other.freeze()
        self.own = {}

    def written_since(self, fork: Fork) -> set[str]:
        """The names this state may have changed since it (or an ancestor) was forked at `fork`;
        every name, when `fork` is not among its layers (it was merged away)."""
        names = set(self.own)
        layer = self.base
        while layer is not fork:
            if layer is None:
                return self._every_name()
            names.update(layer.values)
            layer = layer.parent
        return names

    def _every_name(self) -> set[str]:
        """Every name any layer holds, deleted ones included."""
        names = set(self.own)
        layer = self.base
        while layer is not None:
            names.update(layer.values)
            layer = layer.parent
        return names


def fresh(values: Mapping[str, Any] = {}) -> Env:
    """A new state holding `values`."""
    env = Env()
    env.update(values)
    return env
