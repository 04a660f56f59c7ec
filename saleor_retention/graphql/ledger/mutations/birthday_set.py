"""``loyaltyBirthdaySet``: the signed-in shopper gives their birthday."""

from django.utils.translation import gettext as _

from ....bonuses import services as bonuses
from ....errors import RetentionError, RetentionErrorCode
from ... import saleor_types
from ...core.access import signed_in
from ...core.mutations import RetentionMutation


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
