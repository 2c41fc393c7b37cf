"""Platform ids: numeric strings in the core, signed 64-bit integers in the database."""

from __future__ import annotations

_MIN = -(2**63)
_MAX = 2**63 - 1


def to_db(value: str) -> int:
    """Convert a platform id string to the integer stored in a BigInteger column.

    Raises:
        ValueError: If the id is not a decimal integer that fits in a signed 64-bit column.
    """
    try:
        number = int(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"platform id must be a decimal integer, got {value!r}") from None
    if not _MIN <= number <= _MAX:
        raise ValueError(f"platform id {value!r} does not fit in a 64-bit column")
    return number


def to_db_opt(value: str | None) -> int | None:
    """Like :func:`to_db`, passing ``None`` through."""
    return None if value is None else to_db(value)


def from_db(value: int) -> str:
    """Convert a stored id back to the core's string form."""
    return str(value)


def from_db_opt(value: int | None) -> str | None:
    """Like :func:`from_db`, passing ``None`` through."""
    return None if value is None else str(value)
