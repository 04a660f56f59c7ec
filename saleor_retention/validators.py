"""Checks shared by the staff inputs of several domains (card programs, forum boards): each
refusal is a ``RetentionError`` naming the GraphQL input field, raised before anything is
written."""

from __future__ import annotations

from typing import Any

from .errors import RetentionError, RetentionErrorCode

PAID_ORDERS_MAX = 1000  # "repeat customer" thresholds: at most this many earlier paid orders
RANK_MIN, RANK_MAX = -1000, 1000  # a card program's priority, a board's position


def invalid(
    message: str, field: str, code: RetentionErrorCode = RetentionErrorCode.INVALID
) -> RetentionError:
    return RetentionError(message, code=code, field=field)


def whole_number(raw: Any, *, field: str, minimum: int, maximum: int, message: str) -> int:
    if not isinstance(raw, int) or not minimum <= raw <= maximum:
        raise invalid(message, field)
    return raw


def rank(raw: Any, *, field: str, message: str) -> int:
    """An ordering number staff give (higher or lower first), from -1000 to 1000."""
    return whole_number(raw, field=field, minimum=RANK_MIN, maximum=RANK_MAX, message=message)


def paid_orders_threshold(raw: Any, *, applies: bool, message: str) -> int:
    """Earlier paid orders a repeat customer needs (1 to 1000) where ``applies``, else 0."""
    if not applies:
        return 0
    return whole_number(
        raw or 0, field="minPaidOrders", minimum=1, maximum=PAID_ORDERS_MAX, message=message
    )
