"""Lists of problems that stay readable however many there are.

A workbook with 200,000 junk rows has 400,000 problems; printing them all floods the
terminal and hides the one line that says what is wrong. Every command that lists
problems (``validate``, ``import``, and the refusal of invalid data by ``build``,
``export`` and ``template``) prints them through :func:`listing`:

* up to :data:`SHOWN` problems: all of them, in their order;
* more: grouped by place — file (or sheet) and column — at most :data:`PER_PLACE` of
  each place, each place followed by ``… and N more of the same kind``, until
  :data:`SHOWN` lines of problems are shown; the places left over are counted in one
  line; the caller closes with the total (:func:`total_line`).

``validate`` and ``import`` print every problem with ``--all-problems`` (on standard
output, so ``--all-problems > problems.txt`` keeps them in a file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

SHOWN = 50
PER_PLACE = 10


class Placed(Protocol):
    """A problem that knows its place: (file or sheet, column)."""

    @property
    def place(self) -> tuple[str, str]: ...


def place_label(place: tuple[str, str]) -> str:
    where, column = place
    return f"{where} [{column}]" if column else where


def listing(problems: Sequence[Placed], *, all_problems: bool = False) -> list[str]:
    """The lines to print for ``problems`` (see the module's docstring)."""
    if all_problems or len(problems) <= SHOWN:
        return [str(problem) for problem in problems]
    places: dict[tuple[str, str], list[Placed]] = {}
    for problem in problems:
        places.setdefault(problem.place, []).append(problem)
    lines: list[str] = []
    budget = SHOWN
    left_over = 0
    for place, found in places.items():
        if budget <= 0:
            left_over += 1
            continue
        shown = found[:min(PER_PLACE, budget)]
        budget -= len(shown)
        lines += [str(problem) for problem in shown]
        if len(found) > len(shown):
            lines.append(f"… and {len(found) - len(shown):,} more of the same kind "
                         f"({place_label(place)})")
    if left_over:
        hidden = sum(len(found) for found in list(places.values())[-left_over:])
        lines.append(f"… and {hidden:,} more in {left_over:,} other place(s)")
    return lines


def is_cut(problems: Sequence[Placed], *, all_problems: bool = False) -> bool:
    """Whether :func:`listing` leaves problems out."""
    return not all_problems and len(problems) > SHOWN


def total_line(count: int, where: str, *, cut: bool, how_to_see_all: str) -> str:
    """``1,234 problem(s) in X`` and, when the listing was cut, how to see every one."""
    line = f"{count:,} problem(s) in {where}"
    if cut:
        line += f" (the first {SHOWN} shown by place; every one: {how_to_see_all})"
    return line
