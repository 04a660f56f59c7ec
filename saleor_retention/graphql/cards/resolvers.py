"""Resolvers of the card queries and of the card fields on Saleor's ``User`` and
``Fulfillment``."""

from django.utils.translation import gettext as _
from prices import Money as Price

from ...cards import selectors
from ...cards.models import CardProgram
from ...cards.report import program_report
from ..core import filters, pagination
from ..core.access import QueryArgumentError, pk_from_global_id, signed_in_user
from .filters import filter_cards, filter_programs
from .sorters import LOYALTY_CARD_PROGRAM_SORT_FIELDS, LOYALTY_CARD_SORT_FIELDS
from .types import (
    LoyaltyCardGroupResult,
    LoyaltyCardProgram,
    LoyaltyCardProgramReport,
    LoyaltyCardType,
    is_staff_for_cards,
    require_staff,
)


def card_connection():
    return pagination.connection_type(LoyaltyCardType)


def _statuses(filter):
    return filters.enum_values(filter["status"]) if filter.get("status") is not None else None


def resolve_loyalty_card_programs(root, info, filter=None, sort_by=None, **page):
    require_staff(info)
    rows = pagination.sorted_by(
        filter_programs(selectors.programs(), filter), sort_by, LOYALTY_CARD_PROGRAM_SORT_FIELDS
    )
    return pagination.paginate(rows, pagination.connection_type(LoyaltyCardProgram), **page)


def resolve_loyalty_cards(root, info, filter=None, sort_by=None, **page):
    require_staff(info)
    filter = filter or {}
    program_ids = None
    if filter.get("programs") is not None:
        program_ids = [
            pk_from_global_id(gid, "LoyaltyCardProgram") or "" for gid in filter["programs"]
        ]
    rows = selectors.cards(statuses=_statuses(filter), program_ids=program_ids)
    rows = pagination.sorted_by(filter_cards(rows, filter), sort_by, LOYALTY_CARD_SORT_FIELDS)
    return pagination.paginate(rows, card_connection(), default_first=pagination.PAGE_LIMIT, **page)


def resolve_user_loyalty_cards(root, info, filter=None, sort_by=None, **page):
    viewer = signed_in_user(info)
    is_own = viewer is not None and viewer.pk == root.pk
    if not (is_own or is_staff_for_cards(info)):
        return pagination.empty(card_connection())
    rows = selectors.cards(customer_id=str(root.pk), statuses=_statuses(filter or {}))
    rows = pagination.sorted_by(rows, sort_by, LOYALTY_CARD_SORT_FIELDS)
    return pagination.paginate(rows, card_connection(), **page)


def resolve_fulfillment_loyalty_cards(root, info, **page):
    if not is_staff_for_cards(info):
        return pagination.empty(card_connection())
    rows = selectors.cards(fulfillment_id=str(root.pk))
    return pagination.paginate(rows, card_connection(), **page)


MAX_REORDER_DAYS = 730


def program_report_for(program_id, since, until, reorder_days):
    """The card report of a program named by its global id (None: no such program), after the
    period and reorder window are checked; shared by ``loyaltyCardProgramReport`` and insight's
    ``cardLift``, so both refuse the same bad input the same way."""
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
    return program_report(
        program_id=program.pk,
        start=since,
        end=until,
        reorder_days=reorder_days,
        currency=program.currency,
    )


def resolve_program_report(root, info, program_id, since, until, reorder_days=90):
    require_staff(info)
    report = program_report_for(program_id, since, until, reorder_days)
    if report is None:
        return None
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
