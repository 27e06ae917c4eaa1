"""Batches under a padded-token budget: what both model stages do with their inputs (sentences, chunks)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def batches_under_budget(
    items: Sequence[Item], length: Callable[[Item], int], max_tokens: int | None, max_items: int | None = None
) -> list[list[Item]]:
    """Consecutive runs of `items` (sorted longest first) whose size × longest item stays within `max_tokens`
    and whose size within `max_items` (None: no such limit). An item over the budget alone is a batch of one."""
    batches: list[list[Item]] = []
    current: list[Item] = []
    longest = 0
    for item in items:
        n = length(item)
        too_big = max_tokens is not None and max(longest, n) * (len(current) + 1) > max_tokens
        too_many = max_items is not None and len(current) + 1 > max_items
        if current and (too_big or too_many):
            batches.append(current)
            current, longest = [], 0
        current.append(item)
        longest = max(longest, n)
    if current:
        batches.append(current)
    return batches
