"""``loyaltyCardProgramReport``: a program's cards and their effect against the control group."""

import graphene
from django.utils.translation import gettext as _
from prices import Money as Price

from ...cards.models import CardProgram
from ...cards.report import program_report
from .. import saleor_types
from ..core.access import QueryArgumentError, pk_from_global_id
from ..saleor_types import Money
from .types import require_staff


class LoyaltyCardGroupResult(graphene.ObjectType):
    customers = graphene.Int(required=True, description="Decisions with a known customer.")
    reordered = graphene.Int(
        required=True, description="Of those, customers with another paid order in the window."
    )
    share = graphene.Float(description="reordered / customers; null for an empty group.")


class LoyaltyCardProgramReport(graphene.ObjectType):
    cards_issued = graphene.Int(required=True)
    cards_redeemed = graphene.Int(required=True)
    redemption_rate = graphene.Float(description="Redeemed / issued; null when none issued.")
    redeeming_revenue = graphene.Field(
        Money, required=True, description="Total of the orders that used the cards."
    )
    treatment = graphene.Field(
        LoyaltyCardGroupResult, required=True, description="Orders drawn to get a card."
    )
    control = graphene.Field(
        LoyaltyCardGroupResult, required=True, description="Eligible orders not drawn."
    )
    difference = graphene.Float(description="Treatment share minus control share.")
    difference_ci_low = graphene.Float(description="95% confidence interval, lower bound.")
    difference_ci_high = graphene.Float(description="95% confidence interval, upper bound.")


MAX_REORDER_DAYS = 730


def resolve_program_report(root, info, program_id, since, until, reorder_days=90):
    require_staff(info)
    if until <= since:
        raise QueryArgumentError(_("The end must be after the start."), field="until")
    if not 1 <= reorder_days <= MAX_REORDER_DAYS:
        raise QueryArgumentError(
            _("Enter a number of days from 1 to %(max)s.") % {"max": MAX_REORDER_DAYS},
            field="reorderDays",
        )
    pk = pk_from_global_id(program_id, "LoyaltyCardProgram")
    program = CardProgram.objects.filter(pk=pk).first() if pk else None
    if program is None:
        return None
    report = program_report(
        program_id=program.pk,
        start=since,
        end=until,
        reorder_days=reorder_days,
        currency=program.currency,
    )
    return LoyaltyCardProgramReport(
        cards_issued=report.cards_issued,
        cards_redeemed=report.cards_redeemed,
        redemption_rate=report.redemption_rate,
        redeeming_revenue=Price(report.redeeming_revenue, report.currency),
        treatment=LoyaltyCardGroupResult(
            customers=report.treatment.customers,
            reordered=report.treatment.reordered,
            share=report.treatment.share,
        ),
        control=LoyaltyCardGroupResult(
            customers=report.control.customers,
            reordered=report.control.reordered,
            share=report.control.share,
        ),
        difference=report.difference,
        difference_ci_low=report.ci_low,
        difference_ci_high=report.ci_high,
    )


def program_report_field() -> graphene.Field:
    return graphene.Field(
        LoyaltyCardProgramReport,
        program_id=graphene.ID(required=True),
        since=saleor_types.DateTime(required=True, description="Decisions from this time on."),
        until=saleor_types.DateTime(
            required=True, description="Decisions before this time; after since."
        ),
        reorder_days=graphene.Int(
            default_value=90,
            description="Days (1 to 730) after each decision in which a reorder counts.",
        ),
        description=(
            "A card program's results against its control group (staff; MANAGE_DISCOUNTS); "
            "null for an unknown program."
        ),
        resolver=resolve_program_report,
    )
