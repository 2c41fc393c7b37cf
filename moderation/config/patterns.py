"""Checking the regular expressions of ``words.patterns``: they must compile and not backtrack badly."""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_PATTERN_LENGTH = 1000
_BIG = 100  # a repeat above this many counts as unbounded


def check_pattern(pattern: str) -> re.Pattern[str]:
    r"""Compile a pattern from the config, refusing ones prone to catastrophic backtracking.

    Nested variable quantifiers such as ``(a+)+`` or ``(\w+\s?)*`` and repeated alternatives that
    can match the same text (``(a|aa)+``) make matching take exponential time on hostile input.

    Args:
        pattern: The regular expression.

    Returns:
        The compiled pattern (case-insensitive, as the words trigger matches).

    Raises:
        ValueError: With a message an admin understands.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        parsed = sre_parse.parse(pattern)
        compiled = re.compile(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    problem = _nested_repeat(list(parsed), inside_unbounded=False)
    if problem:
        raise ValueError(
            f"regular expression {pattern!r} can take exponential time ({problem}); "
            "avoid quantified groups that contain quantifiers, e.g. write (a+)+ as a+"
        )
    return compiled


def _is_repeat(op: Any) -> bool:
    return op in (sre.MAX_REPEAT, sre.MIN_REPEAT)


def _nested_repeat(items: list[tuple[Any, Any]], *, inside_unbounded: bool) -> str | None:
    for op, arg in items:
        if _is_repeat(op):
            low, high, body = arg
            variable = high != low
            if inside_unbounded and variable and (high == sre.MAXREPEAT or high > 1):
                return "a quantifier inside a quantified group"
            unbounded = high == sre.MAXREPEAT or high > _BIG
            if unbounded and _has_ambiguous_branch(list(body)):
                return "repeated alternatives that overlap"
            found = _nested_repeat(list(body), inside_unbounded=inside_unbounded or unbounded)
            if found:
                return found
        elif op in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP):
            continue  # no backtracking into these
        else:
            for sub in _children(op, arg):
                found = _nested_repeat(sub, inside_unbounded=inside_unbounded)
                if found:
                    return found
    return None


def _children(op: Any, arg: Any) -> list[list[tuple[Any, Any]]]:
    if op == sre.SUBPATTERN:
        return [list(arg[-1])]
    if op == sre.BRANCH:
        return [list(branch) for branch in arg[1]]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [list(arg[1])]
    if op == sre.GROUPREF_EXISTS:
        return [list(part) for part in arg[1:] if part is not None]
    return []


def _has_ambiguous_branch(items: list[tuple[Any, Any]]) -> bool:
    """Whether a repeated body holds alternatives that can match the same start (or nothing)."""
    for op, arg in items:
        if op == sre.BRANCH:
            firsts = [_first(list(branch)) for branch in arg[1]]
            if None in firsts or len(set(firsts)) < len(firsts):
                return True
        elif op == sre.SUBPATTERN and _has_ambiguous_branch(list(arg[-1])):
            return True
    return False


def _first(items: list[tuple[Any, Any]]) -> tuple[Any, Any] | None:
    if not items:
        return None
    op, arg = items[0]
    return (op, repr(arg)) if op == sre.LITERAL else (op, id(items))
