"""Sequences held as columns, whose items are made only when one is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

Item = TypeVar("Item")


class MadeWhenRead(Sequence[Item]):
    """A sequence whose items are made one at a time when read; a slice gives a list."""

    def _item(self, index: int) -> Item:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} items")
        return self._item(index % len(self))


class ComparedAsSequence:
    """Equal to any sequence of equal items, a list included, as the lists these replace were."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(self, Sequence) or not isinstance(other, Sequence):
            return NotImplemented
        if isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]
