"""What a request reads once and every resolver shares, kept on ``info.context`` (the request)."""

from __future__ import annotations

from typing import Any

from ... import conf

_SETTINGS = "_retention_settings"


def retention_settings(info: Any) -> conf.RetentionSettings:
    """The plugin's settings, loaded at most once per request: a page of 100 products or a
    mutation that reads them in several resolvers pays one load, not one per call."""
    return request_settings(info.context)


def request_settings(context: Any) -> conf.RetentionSettings:
    """The same, from the request itself (a dataloader holds the context, not an ``info``)."""
    settings = getattr(context, _SETTINGS, None)
    if settings is None:
        settings = conf.load_settings()
        setattr(context, _SETTINGS, settings)
    return settings


def selected_fields(info: Any) -> set[str]:
    """Names of the fields asked for directly below the field being resolved, fragments and
    inline fragments included (camelCase, as written in the query). graphql-core 2 (Saleor 2.10)
    names the nodes ``Field`` and the list ``field_asts``; graphql-core 3 (Saleor 3.x)
    ``FieldNode`` and ``field_nodes``."""
    names: set[str] = set()

    def walk(selection_set: Any) -> None:
        for selection in getattr(selection_set, "selections", None) or ():
            kind = type(selection).__name__.removesuffix("Node")
            if kind == "Field":
                names.add(selection.name.value)
            elif kind == "InlineFragment":
                walk(selection.selection_set)
            elif kind == "FragmentSpread":
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)

    nodes = getattr(info, "field_nodes", None) or getattr(info, "field_asts", None) or ()
    for field in nodes:
        walk(field.selection_set)
    return names
