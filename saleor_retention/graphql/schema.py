"""The single GraphQL schema: Saleor's whole schema plus the retention fields and mutations.

``saleor_retention.urls`` serves it on ``/graphql/``; docs/graphql.md explains the mechanism.
"""

from typing import Any

import graphene
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from . import saleor_types
from .audit.schema import audit_events_field
from .audit.types import RetentionAuditEvent
from .cards.mutations import (
    LoyaltyCardPrintQueue,
    LoyaltyCardProgramCreate,
    LoyaltyCardProgramDeactivate,
    LoyaltyCardProgramUpdate,
    LoyaltyCardVoid,
)
from .cards.schema import (
    fulfillment_loyalty_cards_field,
    loyalty_card_programs_field,
    loyalty_cards_field,
    program_report_field,
    user_loyalty_cards_field,
)
from .cards.types import LoyaltyCardProgram, LoyaltyCardType
from .core.node import node_field, register_node
from .extend import apply_extensions, extend_type
from .forum.mutations import (
    ForumBoardCreate,
    ForumBoardUpdate,
    ForumModerate,
    ForumPostCreate,
    ForumPostUpdate,
    ForumReport,
    ForumTopicCreate,
    ForumTopicSubscribe,
    ForumTopicUnsubscribe,
)
from .forum.schema import forum_boards_field, forum_topic_field, forum_topics_field
from .forum.types import ForumBoard, ForumPost, ForumTopic
from .inbox.mutations import RetentionEventsRetry
from .insight.mutations import (
    CustomerContactLog,
    CustomerNoteAdd,
    CustomerNoteDelete,
    CustomerSegmentDelete,
    CustomerSegmentSave,
    CustomerTagAdd,
    CustomerTagRemove,
)
from .insight.schema import (
    customer_segment_field,
    customer_segment_preview_field,
    customer_segments_field,
    retention_analytics_field,
    user_customer_file_field,
)
from .insight.types import CustomerContact, CustomerFile, CustomerNote, CustomerSegment
from .ledger.mutations import (
    LoyaltyBirthdaySet,
    LoyaltyCampaignBonusCreate,
    LoyaltyPointsAdjust,
    LoyaltyPointsApply,
    LoyaltyPointsRemove,
    LoyaltyReferralCodeApply,
)
from .ledger.schema import (
    checkout_loyalty_field,
    order_loyalty_field,
    user_birthday_field,
    user_loyalty_field,
    user_referral_code_field,
)
from .ledger.types import LoyaltyEntry
from .privacy.schema import user_retention_data_field
from .reviews.mutations import (
    ReviewCreate,
    ReviewImport,
    ReviewModerate,
    ReviewReply,
    ReviewReport,
    ReviewUpdate,
    ReviewVote,
)
from .reviews.schema import (
    product_review_json_ld_field,
    product_review_summary_field,
    product_reviews_field,
    review_moderation_queue_field,
    review_request_field,
    review_requests_due_field,
    user_reviews_field,
)
from .reviews.types import ReviewRequestType, ReviewType
from .shop.schema import shop_retention_field

extend_type(saleor_types.Shop, "retention", shop_retention_field)
extend_type(saleor_types.User, "loyalty", user_loyalty_field)
extend_type(saleor_types.User, "loyaltyBirthday", user_birthday_field)
extend_type(saleor_types.User, "loyaltyReferralCode", user_referral_code_field)
extend_type(saleor_types.Order, "loyalty", order_loyalty_field)
extend_type(saleor_types.Checkout, "loyalty", checkout_loyalty_field)
extend_type(saleor_types.User, "loyaltyCards", user_loyalty_cards_field)
extend_type(saleor_types.Fulfillment, "loyaltyCards", fulfillment_loyalty_cards_field)
extend_type(saleor_types.User, "retentionData", user_retention_data_field)
extend_type(saleor_types.Product, "reviews", product_reviews_field)
extend_type(saleor_types.Product, "reviewSummary", product_review_summary_field)
extend_type(saleor_types.Product, "reviewJsonLd", product_review_json_ld_field)
extend_type(saleor_types.User, "reviews", user_reviews_field)
extend_type(saleor_types.User, "customerFile", user_customer_file_field)


for node_type in (
    ReviewType,
    ReviewRequestType,
    ForumBoard,
    ForumTopic,
    ForumPost,
    LoyaltyCardType,
    LoyaltyCardProgram,
    LoyaltyEntry,
    CustomerFile,
    CustomerNote,
    CustomerContact,
    CustomerSegment,
    RetentionAuditEvent,
):
    register_node(node_type)


class RetentionQueries(graphene.ObjectType):
    node = node_field()
    loyalty_card_programs = loyalty_card_programs_field()
    loyalty_cards = loyalty_cards_field()
    loyalty_card_program_report = program_report_field()
    # forum
    forum_boards = forum_boards_field()
    forum_topics = forum_topics_field()
    forum_topic = forum_topic_field()
    review_moderation_queue = review_moderation_queue_field()
    review_requests_due = review_requests_due_field()
    review_request = review_request_field()
    # insight
    customer_segments = customer_segments_field()
    customer_segment = customer_segment_field()
    customer_segment_preview = customer_segment_preview_field()
    retention_analytics = retention_analytics_field()
    # audit
    retention_audit_events = audit_events_field()


class RetentionMutations(graphene.ObjectType):
    retention_events_retry = RetentionEventsRetry.Field()
    loyalty_points_adjust = LoyaltyPointsAdjust.Field()
    loyalty_birthday_set = LoyaltyBirthdaySet.Field()
    loyalty_campaign_bonus_create = LoyaltyCampaignBonusCreate.Field()
    loyalty_points_apply = LoyaltyPointsApply.Field()
    loyalty_points_remove = LoyaltyPointsRemove.Field()
    loyalty_referral_code_apply = LoyaltyReferralCodeApply.Field()
    loyalty_card_program_create = LoyaltyCardProgramCreate.Field()
    loyalty_card_program_update = LoyaltyCardProgramUpdate.Field()
    loyalty_card_program_deactivate = LoyaltyCardProgramDeactivate.Field()
    loyalty_card_void = LoyaltyCardVoid.Field()
    loyalty_card_print_queue = LoyaltyCardPrintQueue.Field()
    # forum
    forum_topic_create = ForumTopicCreate.Field()
    forum_post_create = ForumPostCreate.Field()
    forum_post_update = ForumPostUpdate.Field()
    forum_report = ForumReport.Field()
    forum_topic_subscribe = ForumTopicSubscribe.Field()
    forum_topic_unsubscribe = ForumTopicUnsubscribe.Field()
    forum_moderate = ForumModerate.Field()
    forum_board_create = ForumBoardCreate.Field()
    forum_board_update = ForumBoardUpdate.Field()
    review_create = ReviewCreate.Field()
    review_update = ReviewUpdate.Field()
    review_vote = ReviewVote.Field()
    review_report = ReviewReport.Field()
    review_moderate = ReviewModerate.Field()
    review_reply = ReviewReply.Field()
    review_import = ReviewImport.Field()
    # insight
    customer_note_add = CustomerNoteAdd.Field()
    customer_note_delete = CustomerNoteDelete.Field()
    customer_tag_add = CustomerTagAdd.Field()
    customer_tag_remove = CustomerTagRemove.Field()
    customer_contact_log = CustomerContactLog.Field()
    customer_segment_save = CustomerSegmentSave.Field()
    customer_segment_delete = CustomerSegmentDelete.Field()


class Query(RetentionQueries, SaleorQuery):
    pass


class Mutation(RetentionMutations, SaleorMutation):
    pass


apply_extensions()
schema = saleor_types.build_schema(Query, Mutation)


def _plugin_fields(ours: Any, saleors: Any) -> frozenset[tuple[str, str]]:
    """(type, field) of every field the plugin adds to Saleor's types, roots included: what our
    schema has on a type of Saleor's that Saleor's own schema has not. The plugin's own types
    are reached only through these."""
    found: set[tuple[str, str]] = set()
    for name, ours_type in ours.get_type_map().items():
        saleors_type = saleors.get_type(name)
        fields = getattr(saleors_type, "fields", None)
        if fields is None or name.startswith("__"):
            continue
        found.update((name, field) for field in ours_type.fields if field not in fields)
    return frozenset(found)


# read by the query analysis (limits.py), which tells the view a request touches the plugin
schema.retention_fields = _plugin_fields(schema, saleor_types.saleor_schema())


def schema_sdl() -> str:
    """The schema as SDL for the committed snapshot. Federation's ``_Entity`` union lists its
    members in the order the types were first met, which moves with import order (a test run
    and ``make schema`` differ), so they are sorted: a union's order means nothing."""
    lines = []
    for line in str(schema).rstrip().splitlines():
        if line.startswith("union _Entity = "):
            head, members = line.split(" = ", 1)
            line = f"{head} = " + " | ".join(sorted(members.split(" | ")))
        lines.append(line)
    return "\n".join(lines) + "\n"
