"""The shopper's birthday: ``loyaltyBirthdaySet`` and ``User.loyaltyBirthday``."""

import graphene
from django.utils.translation import gettext as _
from saleor.graphql.core.dataloaders import DataLoader

from ...bonuses import services as bonuses
from ...errors import RetentionError, RetentionErrorCode
from .. import saleor_types
from ..core.access import may_see_customer, signed_in
from ..core.mutations import RetentionMutation


class LoyaltyBirthdaySet(RetentionMutation):
    """The signed-in shopper gives their birthday; the store then credits the birthday bonus on
    that day every year (not this year if it was set or changed within the last 30 days)."""

    birthday = saleor_types.Date(description="The birthday now recorded; null when refused.")

    class Arguments:
        birthday = saleor_types.Date(required=True, description="Year, month and day of birth.")

    class Meta:
        description = "Set your own birthday (signed-in shoppers)."

    @classmethod
    def perform_mutation(cls, root, info, birthday):
        user = getattr(info.context, "user", None)
        if user is None or not signed_in(user):
            raise RetentionError(
                _("Sign in to set your birthday."), code=RetentionErrorCode.PERMISSION_DENIED
            )
        row = bonuses.birthday_set(customer_id=str(user.pk), birthday=birthday)
        return cls(birthday=row.birthday, errors=[])


class BirthdayByCustomerIdLoader(DataLoader):
    """Every ``User.loyaltyBirthday`` of one request in one query."""

    context_key = "retention_birthday_by_customer_id"

    def batch_load(self, keys):
        found = bonuses.birthdays_of(keys)
        return [found.get(str(key)) for key in keys]


def resolve_user_loyalty_birthday(root, info):
    if not may_see_customer(getattr(info.context, "user", None), root):
        return None
    return BirthdayByCustomerIdLoader(info.context).load(str(root.pk))


def user_birthday_field() -> graphene.Field:
    return graphene.Field(
        saleor_types.Date,
        description=(
            "The birthday the store keeps for the birthday bonus (the shopper's own, or for "
            "staff who manage users); null when not given or not visible."
        ),
        resolver=resolve_user_loyalty_birthday,
    )
