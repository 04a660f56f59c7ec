"""The inbox's mutations, one module each."""

from .events_retry import RetentionEventsRetry

__all__ = ["RetentionEventsRetry"]
