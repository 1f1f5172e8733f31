"""Regular expressions that stay fast on whole releases: alternations of cues written so
that the engine can skip ahead to the characters a match may start with.

Python's ``re`` scans a text quickly for a pattern whose alternatives all open with a
plain (case-sensitive) letter: it jumps to the next character that can start one. An
alternative opening with a class («[Пп]ресс»), a group, or the ``IGNORECASE`` flag turns
that off, and the whole pattern is tried at every position — five times slower on a
release.
"""

from __future__ import annotations


def capitalised_alternation(*cues: str) -> str:
    """The alternation of ``cues`` (regex fragments opening with a lower-case letter), each
    also with its first letter upper-case, in the order given: «по данным» matches «По
    данным» too, and every alternative opens with a plain letter.

    Matches exactly what ``[Пп]о данным|…`` matches: at any position only one of a cue's
    two forms can match, so trying the upper-case one first changes nothing. Raises
    ``ValueError`` for a cue that does not open with a lower-case letter.
    """
    parts: list[str] = []
    for cue in cues:
        if not (cue[:1].isalpha() and cue[:1].islower()):
            raise ValueError(f"a cue must open with a lower-case letter: {cue!r}")
        parts.extend((cue[0].upper() + cue[1:], cue))
    return "|".join(parts)
