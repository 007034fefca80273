"""The anonymity rules every figure, breakdown and quote passes before anyone sees it.

1. Threshold: nothing is shown about a group of fewer than ``GUIDEBOT_MIN_GROUP_SIZE`` respondents.
2. Complementary suppression: when a total is shown, a hidden group could be worked out by
   subtracting the shown groups from it (a team's total minus all its roles but one). So while the
   hidden groups of a breakdown add up to fewer than the threshold, the smallest shown group is
   hidden too; the hidden ones together then say nothing about fewer people than the threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import TypeVar

TOO_FEW = "too few responses to show"
DEFAULT_MIN_GROUP_SIZE = 5

K = TypeVar("K", bound=Hashable)


def can_show(respondents: int, min_group_size: int) -> bool:
    """Whether a figure about this many respondents may be shown."""
    return respondents >= min_group_size


def suppressed_groups(
    total: int, groups: Mapping[K, int], min_group_size: int, *, also_hidden: Collection[K] = ()
) -> frozenset[K]:
    """The groups of a breakdown that must be hidden, given the respondents in each and in total.

    ``groups`` must cover ``total`` (include a "not given" group where people skipped the
    question), so that hiding the right groups really hides them. When ``total`` itself is too
    small every group is hidden. ``also_hidden`` are groups hidden for another reason (in another
    column of the same table, or holding only people who do not count), which count towards what
    is hidden.
    """
    # A group of size 0 is left out, unless it is hidden for another reason: one that holds only
    # people who do not count (managers, say) has size 0 but must stay hidden all the same.
    present = {key: n for key, n in groups.items() if n > 0 or key in also_hidden}
    if sum(present.values()) < total:
        raise ValueError("the groups must cover the total, or a hidden group could be derived from it")
    if not can_show(total, min_group_size):
        return frozenset(present)
    hidden = {key for key, n in present.items() if not can_show(n, min_group_size) or key in also_hidden}
    while hidden and sum(present[key] for key in hidden) < min_group_size:
        shown = sorted(
            (key for key in present if key not in hidden), key=lambda key: (present[key], str(key))
        )
        if not shown:
            break
        hidden.add(shown[0])
    return frozenset(hidden)


def visible_breakdown(total: int, groups: Mapping[K, int], min_group_size: int) -> dict[K, int | None]:
    """Each group's respondents, or None where the group is hidden (shown as ``TOO_FEW``)."""
    hidden = suppressed_groups(total, groups, min_group_size)
    return {key: (None if key in hidden else n) for key, n in groups.items() if n > 0}
