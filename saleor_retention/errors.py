"""Error codes shared by every domain and exposed in GraphQL as ``RetentionErrorCode``."""

from __future__ import annotations

from enum import Enum


class RetentionErrorCode(str, Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    PLUGIN_INACTIVE = "plugin_inactive"
    INSUFFICIENT_POINTS = "insufficient_points"
    ALREADY_DONE = "already_done"
    NOT_SIGNED_IN = "not_signed_in"
    NOT_YOUR_CHECKOUT = "not_your_checkout"
    CURRENCY_NOT_SUPPORTED = "currency_not_supported"
    BELOW_MINIMUM = "below_minimum"
    WRONG_STEP = "wrong_step"
    ABOVE_CAP = "above_cap"
    SELF_REFERRAL = "self_referral"
    NOT_ELIGIBLE = "not_eligible"
    CAP_REACHED = "cap_reached"
    REFERRALS_OFF = "referrals_off"
    NOT_SUPPORTED = "not_supported"
    # reviews and forums
    NOT_A_BUYER = "not_a_buyer"
    ALREADY_REVIEWED = "already_reviewed"
    BAD_RATING = "bad_rating"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_IMAGE = "bad_image"
    TOO_MANY_PHOTOS = "too_many_photos"
    RATE_LIMITED = "rate_limited"
    BOARD_CLOSED = "board_closed"
    TOPIC_LOCKED = "topic_locked"
    EDIT_WINDOW_PASSED = "edit_window_passed"
    NOT_EDITABLE = "not_editable"
    # staff actions
    SELF_ADJUSTMENT = "self_adjustment"


class RetentionError(Exception):
    """A refusal the caller can act on: carries a code and, when one input caused it, its field."""

    def __init__(self, message: str, *, code: RetentionErrorCode, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
