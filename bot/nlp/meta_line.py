"""A line made of a few components and separators (a date, an agency, a place …), matched
in polynomial time.

``text.clean_text`` drops short opening lines that only carry a date, an agency mark or a
place («Астана, 5 мая 2024», «30 марта, Минск /Корр. БЕЛТА/»). The rule is one regular
expression, ``^(?:(?:COMPONENT)SEPARATOR*){1,N}$``. Python's engine answers it by
backtracking, and on a short sentence that is *not* such a line («Встреча министров
прошла 5 мая в столице Казахстана Астане.») it tries every way of cutting its words into
components before it says no: twelve seconds for that line, minutes for a longer one.
``RepeatedComponents`` gives the same answer for every line, in milliseconds at worst.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Final

#: A line that reaches the search is at most this long in practice (``text`` only asks
#: about short lines); longer ones are answered too, just more slowly.
_TYPICAL_MAX_CHARS: Final = 80


class RepeatedComponents:
    """``^(?:(?:component)separator*){1,max_count}$`` (``re.match`` semantics) without
    exponential backtracking.

    ``component`` is a pattern that never matches the empty string; ``separator`` one
    character class (``[…]``); ``flags`` apply to both, as they would to the whole
    pattern. ``match(line)`` returns what ``pattern.match(line)`` would (as a bool).
    The patterns are compiled on first use: a rule at module level costs no start-up time
    (a worker process imports it and may never need it).
    """

    def __init__(self, component: str, separator: str, max_count: int, flags: int = 0) -> None:
        self._component = component
        self._separator = separator
        self._flags = flags
        self._max_count = max_count
        self._ending: dict[int, re.Pattern[str]] = {}

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The rule as written, for reference and tests: never match it on untrusted text.
        Raises ``ValueError`` for a component that matches the empty string."""
        if re.fullmatch(self._component, "", self._flags):
            raise ValueError("the component must not match the empty string")
        return re.compile(
            rf"^(?:(?:{self._component}){self._separator}*){{1,{self._max_count}}}$", self._flags
        )

    @cached_property
    def _atomic(self) -> re.Pattern[str]:
        """The same rule with atomic groups: it accepts a subset of the lines the rule does
        (it never gives back what a component or a separator run took) and answers at
        once, so a line it accepts is a yes."""
        self.pattern  # noqa: B018 — refuses an empty-matching component first
        return re.compile(
            rf"^(?:(?>{self._component}){self._separator}*+){{1,{self._max_count}}}+$",
            self._flags,
        )

    @cached_property
    def _opens(self) -> re.Pattern[str]:
        return re.compile(rf"(?:{self._component})", self._flags)

    @cached_property
    def _separators(self) -> re.Pattern[str]:
        return re.compile(rf"{self._separator}*", self._flags)

    def match(self, line: str) -> bool:
        """True when the rule matches ``line`` (from its start, to its end or its final
        line break)."""
        return bool(self._atomic.match(line)) or self._search(line)

    def _search(self, line: str) -> bool:
        """Breadth-first over the positions the line can be cut at: after ``k``
        components and their separators, which positions can be reached? The rule holds
        when, for some ``k`` up to ``max_count``, the end can."""
        size = len(line)
        finals = {size, size - 1} if line.endswith("\n") else {size}
        ends_from: dict[int, list[int]] = {}
        frontier = {0}
        for _ in range(self._max_count):
            reached: set[int] = set()
            for start in frontier:
                ends = ends_from.get(start)
                if ends is None:
                    ends = ends_from[start] = self._component_ends(line, start)
                for end in ends:
                    run = self._separators.match(line, end)
                    stop = run.end() if run else end
                    reached.update(range(end, stop + 1))
            if reached & finals:
                return True
            if not reached:
                return False
            frontier = reached
        return False

    def _component_ends(self, line: str, start: int) -> list[int]:
        """Every position where a component that starts at ``start`` can end (in the
        context of the whole line: look-arounds see past both ends)."""
        if not self._opens.match(line, start):
            return []
        size = len(line)
        return [
            end
            for end in range(start + 1, size + 1)
            if self._ending_at(size - end).match(line, start)
        ]

    def _ending_at(self, remaining: int) -> re.Pattern[str]:
        """The component, ending exactly ``remaining`` characters before the end."""
        pattern = self._ending.get(remaining)
        if pattern is None:
            pattern = re.compile(rf"(?:{self._component})(?=[\s\S]{{{remaining}}}\Z)", self._flags)
            if remaining <= _TYPICAL_MAX_CHARS:  # long lines are rare: do not hoard those
                self._ending[remaining] = pattern
        return pattern
