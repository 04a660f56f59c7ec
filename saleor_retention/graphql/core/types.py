import graphene

from ...errors import RetentionErrorCode as DomainErrorCode
from ..saleor_types import ErrorBase

RetentionErrorCode = graphene.Enum.from_enum(
    DomainErrorCode, description="Why a retention mutation refused its input."
)


# On Saleor 3.x a subtype of Saleor's ``Error``, as every 3.x mutation error type is.
class RetentionError(ErrorBase):
    field = graphene.String(
        description="The input field the error is about; null when it concerns the whole input."
    )
    message = graphene.String(
        required=True, description="What went wrong, in the shopper's or staff's language."
    )
    code = RetentionErrorCode(required=True, description="A stable code for programs.")


def choices_enum(name: str, choices, description: str) -> type[graphene.Enum]:
    """A GraphQL enum of a model's ``TextChoices``: member names as GraphQL names, values as
    values (so resolvers return the stored value)."""
    return graphene.Enum(
        name,
        [(member, choice.value) for member, choice in choices.__members__.items()],
        description=description,
    )
