"""The cards' mutations, one module each (as Saleor's ``graphql/giftcard/mutations/``)."""

from .card_void import LoyaltyCardVoid
from .print_queue import LoyaltyCardPrintQueue
from .program_create import LoyaltyCardProgramCreate
from .program_deactivate import LoyaltyCardProgramDeactivate
from .program_update import LoyaltyCardProgramUpdate

__all__ = [
    "LoyaltyCardPrintQueue",
    "LoyaltyCardProgramCreate",
    "LoyaltyCardProgramDeactivate",
    "LoyaltyCardProgramUpdate",
    "LoyaltyCardVoid",
]
