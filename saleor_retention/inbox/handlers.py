"""Which domain service handles which Saleor event.

Domains register a handler per event kind (``order_paid``, ...); the inbox task looks it up. A handler receives the
``PluginEvent`` and the parsed settings, re-reads whatever it needs through the adapter (the hook's
snapshot may be stale by the time the task runs) and returns a small JSON-safe summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..conf import RetentionSettings
    from .models import PluginEvent

Handler = Callable[["PluginEvent", "RetentionSettings"], dict[str, Any]]

_HANDLERS: dict[str, list[Handler]] = {}


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for kind in kinds:
            if func not in _HANDLERS.setdefault(kind, []):
                _HANDLERS[kind].append(func)
        return func

    return register


def handlers_for(kind: str) -> list[Handler]:
    _load_domain_handlers()
    return list(_HANDLERS.get(kind, ()))


def _load_domain_handlers() -> None:
    # Importing a domain's handlers module registers them; done lazily to keep imports one-way.
    from .. import domains  # noqa: F401
