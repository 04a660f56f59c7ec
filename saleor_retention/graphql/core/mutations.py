"""Base for every retention mutation: permission check, domain errors -> typed ``errors``."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphene.utils.trim_docstring import trim_docstring

from ...errors import RetentionError as DomainError
from ...errors import RetentionErrorCode
from .. import saleor_types
from .types import RetentionError


def input_values(data: Any, fields: dict[str, str]) -> dict[str, Any]:
    """The given inputs of a GraphQL input object, renamed to model fields (``fields``: input name
    -> field); inputs left out stay out, so an update changes only what was sent."""
    values = {}
    for name, field in fields.items():
        if name in data:
            value = data[name]
            values[field] = getattr(value, "value", value)  # graphene enums arrive as values
    return values


def error_list(*errors: DomainError) -> list[RetentionError]:
    return [
        RetentionError(field=error.field, message=error.message, code=error.code)
        for error in errors
    ]


class RetentionMutation(graphene.Mutation):
    """Subclasses set ``permissions`` (Django permission names, any one suffices; empty means a
    signed-in or anonymous caller may try) and implement ``perform_mutation``."""

    errors = graphene.List(
        graphene.NonNull(RetentionError),
        required=True,
        description="Empty on success; otherwise why nothing was changed.",
    )

    permissions: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, description: str | None = None, **options: Any) -> None:
        # Saleor 3.x lists a guarded mutation's permissions under its description; 2.10 does not
        note = saleor_types.permissions_note(cls.permissions)
        if note:
            description = (description or trim_docstring(cls.__doc__) or "") + note
        super().__init_subclass_with_meta__(description=description, **options)

    @classmethod
    def has_permission(cls, context: Any) -> bool:
        return saleor_types.requestor_has_one_of(context, cls.permissions)

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        if not cls.has_permission(info.context):
            return cls(
                errors=error_list(
                    DomainError(
                        _("You do not have permission to perform this action."),
                        code=RetentionErrorCode.PERMISSION_DENIED,
                    )
                )
            )
        try:
            return cls.perform_mutation(root, info, **data)
        except DomainError as error:
            return cls(errors=error_list(error))

    @classmethod
    def perform_mutation(cls, root: Any, info: Any, **data: Any) -> Any:
        raise NotImplementedError
