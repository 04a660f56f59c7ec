"""The permission matrix (issue 9): for every field and mutation the plugin adds to the schema,
who may read or act, called through GraphQL as five callers:

    anon     nobody signed in
    owner    the customer whose data it is (points, orders, checkout, card, review, forum post),
             with one paid order, so the repeat-customer board is open to her
    other    another signed-in customer, no orders: that board is closed to her
    bare     staff without the row's permission: a staff member holding every Saleor permission
             except the ones the row names (none at all on rows that name none)
    staff    staff with the row's permission: a staff member holding exactly the ones the row
             names (every permission on rows that name none)
    app      a Saleor app (its own token, no user) holding what ``staff`` holds: as ``staff`` on
             rows that name permissions, as ``anon`` on rows that name none (an app is nobody's
             ``me``), unless the row's ``app`` cell says otherwise

A cell says what that caller gets:

    YES          allowed: no error, and the data (or the change's result) is there
    NO           refused: for a read, null or empty (an empty list only where the row says so);
                 for a mutation, an error whose code is one of the row's refusal codes, and every
                 other payload field null: nothing leaks with the refusal
    BLIND        the action is allowed and done, but shows nothing (forumTopicUnsubscribe on a
                 board closed to the caller)
    RULE:<CODE>  allowed past every permission check, then refused by a business rule with that
                 code (reviewing your own review, your own referral code, ...)

The table is checked against the served schema: a retention field or mutation without a row (or
a row for a field that no longer exists) fails ``test_every_retention_field_has_a_row``. The
world is built once and every cell is one real GraphQL request; mutations run in the order of the
table, callers in the order anon, other, bare, owner, staff.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.api import schema as saleor_schema

from saleor_retention.cards.models import CardProgram, LoyaltyCard
from saleor_retention.graphql.schema import schema as retention_schema
from saleor_retention.reviews import services as review_services
from saleor_retention_site.driver import SaleorDriver, gid, pk_of
from tests.connections import nodes

YES, NO, BLIND = "YES", "NO", "BLIND"
ACTORS = ("anon", "owner", "other", "bare", "staff")
RUN_ORDER = ("anon", "other", "bare", "owner", "staff", "app")


def RULE(code: str) -> str:  # noqa: N802 - reads like the other cell constants
    return f"RULE:{code}"


GROUP_CREATE = """mutation($input: PermissionGroupCreateInput!) {
  permissionGroupCreate(input: $input) { group { id } permissionGroupErrors { field code } }
}"""


APP_CREATE = """mutation($input: AppInput!) {
  appCreate(input: $input) { authToken appErrors { field code } }
}"""


class StaffAccounts:
    """Staff members by the permissions they hold, each made on first use: an account (Saleor's
    staffCreate mails a set-password link, so the password is set here) put into a permission
    group of its own through Saleor's permissionGroupCreate."""

    def __init__(self, driver: SaleorDriver) -> None:
        self.driver = driver
        self.admin = driver.staff_token()  # the store's staff member, holding every permission
        shop = driver.query("{ shop { permissions { code } } }", token=self.admin)["shop"]
        self.every = frozenset(permission["code"] for permission in shop["permissions"])
        self.tokens: dict[frozenset[str], str] = {self.every: self.admin}
        self.app_tokens: dict[frozenset[str], str] = {}

    def holding(self, permissions: frozenset[str]) -> str:
        if permissions not in self.tokens:
            email = f"staff{len(self.tokens)}@example.com"
            user = User.objects.create_user(email, "staff-password", is_staff=True, is_active=True)
            if permissions:
                created = self.driver.query(
                    GROUP_CREATE,
                    {
                        "input": {
                            "name": email,
                            "addPermissions": sorted(permissions),
                            "addUsers": [gid("User", user.pk)],
                        }
                    },
                    token=self.admin,
                )["permissionGroupCreate"]
                assert created["permissionGroupErrors"] == []
            self.tokens[permissions] = self.driver.token_create(email, "staff-password")
        return self.tokens[permissions]

    def app_holding(self, permissions: frozenset[str]) -> str:
        """The token of an app holding ``permissions``, made on first use with Saleor's
        appCreate."""
        if permissions not in self.app_tokens:
            created = self.driver.query(
                APP_CREATE,
                {
                    "input": {
                        "name": f"app{len(self.app_tokens)}",
                        "permissions": sorted(permissions),
                    }
                },
                token=self.admin,
            )["appCreate"]
            assert created["appErrors"] == [] and created["authToken"]
            self.app_tokens[permissions] = created["authToken"]
        return self.app_tokens[permissions]

    def token_for(self, row: Row, actor: str) -> str:
        needed = frozenset(row.permissions)
        assert needed <= self.every, f"{row.field}: unknown permission {sorted(needed)}"
        if actor == "bare":
            return self.holding(self.every - needed if needed else frozenset())
        return self.holding(needed or self.every)


@dataclasses.dataclass(frozen=True)
class World:
    tokens: dict[str, str | None]  # anon, owner, other; staff come from ``staff``
    staff: StaffAccounts
    owner_id: str  # global ids from here on
    order_id: str
    order_line_id: str
    checkout_token: str
    card_id: str
    program_id: str
    product_id: str
    board_id: str
    topic_id: str
    owner_post_id: str
    review_id: str
    review_request_token: str
    referral_code: str


Variables = Callable[[World, str], dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Row:
    field: str  # Type.field as in the schema
    cells: tuple[str, str, str, str, str]  # in ACTORS order
    document: str
    variables: Variables = lambda world, actor: {}
    # reads: what must be there for YES (None: refused); mutations: the payload's result field
    value: Callable[[dict[str, Any], World], Any] | None = None
    # mutations: the codes that mean refused (PERMISSION_DENIED always does)
    refused_by: tuple[str, ...] = ()
    empty_is_refused: bool = False  # reads returning a list: [] means refused
    # Saleor permissions (PermissionEnum names) staff need here, for the bare and staff columns
    permissions: tuple[str, ...] = ()
    why: str = ""
    app: str | None = None  # the app's cell where it is not derived (see the module's docstring)

    @property
    def is_mutation(self) -> bool:
        return self.field.startswith("Mutation.")

    def expected(self, actor: str) -> str:
        if actor == "app":
            if self.app is not None:
                return self.app
            return self.cells[ACTORS.index("staff" if self.permissions else "anon")]
        return self.cells[ACTORS.index(actor)]


ANYONE = (YES, YES, YES, YES, YES)
STAFF_ONLY = (NO, NO, NO, NO, YES)
OWNER_AND_STAFF = (NO, YES, NO, NO, YES)


def path(*keys: str) -> Callable[[dict[str, Any], World], Any]:
    def get(data: dict[str, Any], world: World) -> Any:
        value: Any = data
        for key in keys:
            if value is None:
                return None
            value = value.get(key)
        return value

    return get


def owners_user(field: str) -> Callable[[dict[str, Any], World], Any]:
    """The owner's User, reached as ``me`` (herself) or ``user(id:)`` (staff, Saleor's
    MANAGE_USERS), then ``field`` on it; None when the caller cannot reach her at all."""

    def get(data: dict[str, Any], world: World) -> Any:
        for user in (data.get("me"), data.get("user")):
            if user and user["id"] == world.owner_id:
                return user[field]
        return None

    return get


def owners_order(*keys: str) -> Callable[[dict[str, Any], World], Any]:
    """The owner's order, as ``me.orders`` (herself) or ``order(id:)`` (Saleor: MANAGE_ORDERS)."""

    def get(data: dict[str, Any], world: World) -> Any:
        orders = [e["node"] for e in ((data.get("me") or {}).get("orders") or {}).get("edges", [])]
        for order in [*orders, data.get("order")]:
            if order and order["id"] == world.order_id:
                return path(*keys)(order, world)
        return None

    return get


def user_row(field: str, selection: str, cells, **extra) -> Row:
    document = f"""query($id: ID!) {{ me {{ id {field} {selection} }}
        user(id: $id) {{ id {field} {selection} }} }}"""
    return Row(
        f"User.{field}",
        cells,
        document,
        lambda w, a: {"id": w.owner_id},
        owners_user(field),
        **extra,
    )


ORDER_DOCUMENT = """query($id: ID!) {{
  me {{ orders(first: 20) {{ edges {{ node {{ id {selection} }} }} }} }}
  order(id: $id) {{ id {selection} }}
}}"""


def mutation(name: str, arguments: str, selection: str) -> str:
    signature = ", ".join(
        f"${part.split(':')[0].strip()}: {part.split(':', 1)[1].strip()}"
        for part in arguments.split(",")
        if part.strip()
    )
    call = ", ".join(
        f"{part.split(':')[0].strip()}: ${part.split(':')[0].strip()}"
        for part in arguments.split(",")
        if part.strip()
    )
    head = f"mutation({signature})" if signature else "mutation"
    inner = f"({call})" if call else ""
    return f"{head} {{ {name}{inner} {{ {selection} errors {{ field code }} }} }}"


def _segment(name: str) -> str:
    """A saved segment of its own for one cell (made through the service, as staff would)."""
    from saleor_retention.insight import services as insight_services

    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    assert staff is not None
    segment = insight_services.segment_save(
        segment_id=None, name=name, rules={"stages": ["active"]}, staff_user_id=str(staff.pk)
    )
    return gid("CustomerSegment", segment.pk)


def _note(world: World, actor: str) -> str:
    from saleor_retention.insight import services as insight_services

    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    assert staff is not None
    note = insight_services.note_add(
        customer_id=pk_of(world.owner_id), body=f"For {actor}", staff_user_id=str(staff.pk)
    )
    return gid("CustomerNote", note.pk)


NEW_BOARD = {"name": "Matrix board"}
NEW_PROGRAM = {
    "name": "Matrix program",
    "kind": "FIXED",
    "value": "5",
    "minSpend": "20",
    "validityDays": 30,
    "sampleRate": "100",
}

ROWS: tuple[Row, ...] = (
    # --- queries -----------------------------------------------------------------------------
    Row(
        "Query.forumBoards",
        ANYONE,
        "{ forumBoards { edges { node { id canRead } } } }",
        value=path("forumBoards"),
        empty_is_refused=True,
        why="every board is listed to everyone, closed ones with canRead false",
    ),
    Row(
        "Query.forumTopics",
        (NO, YES, NO, NO, YES),
        "query($id: ID!) { forumTopics(boardId: $id) { edges { node { title } } } }",
        lambda w, a: {"id": w.board_id},
        path("forumTopics", "edges"),
        empty_is_refused=True,
        permissions=("MANAGE_PAGES",),
        why="repeat-customer board: customers with 1 paid order, and forum staff (MANAGE_PAGES)",
    ),
    Row(
        "Query.forumTopic",
        (NO, YES, NO, NO, YES),
        """query($id: ID!) { forumTopic(id: $id) {
            title posts { edges { node { body } } } } }""",
        lambda w, a: {"id": w.topic_id},
        path("forumTopic"),
        permissions=("MANAGE_PAGES",),
        why="as forumTopics",
    ),
    Row(
        "Query.node",
        (NO, YES, NO, NO, YES),
        "query($id: ID!) { node(id: $id) { id ... on ForumTopic { title } } }",
        lambda w, a: {"id": w.topic_id},
        path("node"),
        permissions=("MANAGE_PAGES",),
        why="as forumTopic: node(id:) applies each type's own read rule (here a closed board's topic)",
    ),
    Row(
        "Query.loyaltyCardPrograms",
        STAFF_ONLY,
        "{ loyaltyCardPrograms { edges { node { id } } } }",
        value=path("loyaltyCardPrograms"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS; others get a permission error",
    ),
    Row(
        "Query.loyaltyCards",
        STAFF_ONLY,
        "{ loyaltyCards { edges { node { id code } } } }",
        value=path("loyaltyCards"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    Row(
        "Query.loyaltyCardProgramReport",
        STAFF_ONLY,
        """query($id: ID!, $since: DateTime!, $until: DateTime!) {
            loyaltyCardProgramReport(programId: $id, since: $since, until: $until) { cardsIssued } }""",
        lambda w, a: {
            "id": w.program_id,
            "since": (timezone.now() - timedelta(days=30)).isoformat(),
            "until": (timezone.now() + timedelta(days=1)).isoformat(),
        },
        path("loyaltyCardProgramReport"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    Row(
        "Query.reviewModerationQueue",
        STAFF_ONLY,
        "{ reviewModerationQueue { edges { node { id } } } }",
        value=path("reviewModerationQueue"),
        permissions=("MANAGE_PRODUCTS",),
        why="MANAGE_PRODUCTS",
    ),
    Row(
        "Query.reviewRequestsDue",
        STAFF_ONLY,
        "{ reviewRequestsDue { edges { node { orderId } } } }",
        value=path("reviewRequestsDue"),
        permissions=("MANAGE_PRODUCTS",),
        why="MANAGE_PRODUCTS (an empty list for staff is still an answer)",
    ),
    Row(
        "Query.reviewRequest",
        ANYONE,
        "query($token: String!) { reviewRequest(token: $token) { productName } }",
        lambda w, a: {"token": w.review_request_token},
        path("reviewRequest"),
        why="bearer: the signed token in the buyer's review e-mail is the credential",
    ),
    # --- fields on Saleor's types --------------------------------------------------------------
    Row(
        "Shop.retention",
        ANYONE,
        "{ shop { retention { pluginActive signupBonus } } }",
        value=path("shop", "retention"),
        why="the store's public programme settings",
    ),
    Row(
        "Product.reviews",
        ANYONE,
        "query($id: ID!) { product(id: $id) { reviews { edges { node { id } } } } }",
        lambda w, a: {"id": w.product_id},
        path("product", "reviews", "edges"),
        empty_is_refused=True,
        why="published reviews are public",
    ),
    Row(
        "Product.reviewSummary",
        ANYONE,
        "query($id: ID!) { product(id: $id) { reviewSummary { count } } }",
        lambda w, a: {"id": w.product_id},
        path("product", "reviewSummary"),
    ),
    Row(
        "Product.reviewJsonLd",
        ANYONE,
        "query($id: ID!) { product(id: $id) { reviewJsonLd } }",
        lambda w, a: {"id": w.product_id},
        path("product", "reviewJsonLd"),
    ),
    user_row(
        "loyalty",
        "{ points entries { edges { node { reason } } } }",
        OWNER_AND_STAFF,
        permissions=("MANAGE_USERS",),
        why="herself, or staff with MANAGE_USERS (Saleor's user(id:) needs it too)",
    ),
    user_row(
        "loyaltyBirthday", "", OWNER_AND_STAFF, permissions=("MANAGE_USERS",), why="as User.loyalty"
    ),
    user_row(
        "loyaltyReferralCode",
        "",
        OWNER_AND_STAFF,
        permissions=("MANAGE_USERS",),
        why="as User.loyalty",
    ),
    user_row(
        "retentionData", "", OWNER_AND_STAFF, permissions=("MANAGE_USERS",), why="as User.loyalty"
    ),
    user_row(
        "loyaltyCards",
        "{ edges { node { code } } }",
        OWNER_AND_STAFF,
        empty_is_refused=True,
        permissions=("MANAGE_USERS", "MANAGE_DISCOUNTS"),
        why="herself, or staff with MANAGE_DISCOUNTS (and MANAGE_USERS to reach her)",
    ),
    user_row(
        "reviews",
        "{ edges { node { id } } }",
        OWNER_AND_STAFF,
        empty_is_refused=True,
        permissions=("MANAGE_USERS", "MANAGE_PRODUCTS"),
        why="herself, or staff with MANAGE_PRODUCTS (and MANAGE_USERS to reach her)",
    ),
    Row(
        "Order.loyalty",
        OWNER_AND_STAFF,
        ORDER_DOCUMENT.format(selection="loyalty { pointsEarned }"),
        lambda w, a: {"id": w.order_id},
        owners_order("loyalty"),
        permissions=("MANAGE_ORDERS",),
        why="whoever Saleor shows the order to: its customer, staff with MANAGE_ORDERS",
    ),
    Row(
        "Fulfillment.loyaltyCards",
        STAFF_ONLY,
        ORDER_DOCUMENT.format(
            selection="fulfillments { loyaltyCards { edges { node { code } } } }"
        ),
        lambda w, a: {"id": w.order_id},
        lambda data, w: [
            card
            for fulfillment in owners_order("fulfillments")(data, w) or []
            for card in nodes(fulfillment["loyaltyCards"])
        ],
        empty_is_refused=True,
        permissions=("MANAGE_ORDERS", "MANAGE_DISCOUNTS"),
        why="MANAGE_DISCOUNTS; the shopper sees her cards in User.loyaltyCards",
    ),
    Row(
        "Checkout.loyalty",
        OWNER_AND_STAFF,
        "query($token: UUID!) { checkout(token: $token) { loyalty { redeemablePoints } } }",
        lambda w, a: {"token": w.checkout_token},
        path("checkout", "loyalty"),
        permissions=("MANAGE_CHECKOUTS",),
        why="whoever Saleor shows the checkout to: its customer, staff with MANAGE_CHECKOUTS",
    ),
    # --- mutations: points -------------------------------------------------------------------
    Row(
        "Mutation.retentionEventsRetry",
        STAFF_ONLY,
        mutation("retentionEventsRetry", "", "queued"),
        value=path("queued"),
        permissions=("MANAGE_PLUGINS",),
        why="MANAGE_PLUGINS",
    ),
    Row(
        "Mutation.loyaltyPointsAdjust",
        STAFF_ONLY,
        mutation(
            "loyaltyPointsAdjust",
            "customerId: ID!, points: Int!, reason: String!, idempotencyKey: String!",
            "entry { points }",
        ),
        lambda w, a: {
            "customerId": w.owner_id,
            "points": 5,
            "reason": "Matrix",
            "idempotencyKey": f"matrix-{a}",
        },
        path("entry"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.loyaltyCampaignBonusCreate",
        STAFF_ONLY,
        mutation(
            "loyaltyCampaignBonusCreate",
            "campaignKey: String!, points: Int!, reason: String!, "
            "audience: LoyaltyCampaignAudienceInput!",
            "campaign { key }",
        ),
        lambda w, a: {
            "campaignKey": f"matrix-{a}",
            "points": 5,
            "reason": "Matrix",
            "audience": {"customerIds": [w.owner_id]},
        },
        path("campaign"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.loyaltyBirthdaySet",
        (NO, YES, YES, YES, YES),
        mutation("loyaltyBirthdaySet", "birthday: Date!", "birthday"),
        lambda w, a: {"birthday": "1990-05-17"},
        path("birthday"),
        refused_by=("NOT_SIGNED_IN",),
        why="any signed-in account sets its own",
    ),
    Row(
        "Mutation.loyaltyPointsApply",
        (NO, YES, NO, NO, NO),
        mutation("loyaltyPointsApply", "checkoutId: ID!, points: Int!", "checkout { id }"),
        lambda w, a: {"checkoutId": gid("Checkout", w.checkout_token), "points": 100},
        path("checkout"),
        refused_by=("NOT_SIGNED_IN", "NOT_YOUR_CHECKOUT", "NOT_FOUND"),
        why="only the checkout's customer spends her points; staff too are refused",
    ),
    Row(
        "Mutation.loyaltyPointsRemove",
        (NO, YES, NO, NO, NO),
        mutation("loyaltyPointsRemove", "checkoutId: ID!", "checkout { id }"),
        lambda w, a: {"checkoutId": gid("Checkout", w.checkout_token)},
        path("checkout"),
        refused_by=("NOT_SIGNED_IN", "NOT_YOUR_CHECKOUT", "NOT_FOUND"),
        why="as loyaltyPointsApply",
    ),
    Row(
        "Mutation.loyaltyReferralCodeApply",
        (NO, RULE("SELF_REFERRAL"), YES, YES, YES),
        mutation("loyaltyReferralCodeApply", "code: String!", "referral { code }"),
        lambda w, a: {"code": w.referral_code},
        path("referral"),
        refused_by=("NOT_SIGNED_IN",),
        why="any signed-in account new to the store uses the owner's code; not she herself",
    ),
    # --- mutations: cards --------------------------------------------------------------------
    Row(
        "Mutation.loyaltyCardProgramCreate",
        STAFF_ONLY,
        mutation("loyaltyCardProgramCreate", "input: LoyaltyCardProgramInput!", "program { id }"),
        lambda w, a: {"input": {**NEW_PROGRAM, "name": f"Matrix {a}"}},
        path("program"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    Row(
        "Mutation.loyaltyCardProgramUpdate",
        STAFF_ONLY,
        mutation(
            "loyaltyCardProgramUpdate", "id: ID!, input: LoyaltyCardProgramInput!", "program { id }"
        ),
        lambda w, a: {"id": w.program_id, "input": {"priority": 3}},
        path("program"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    Row(
        "Mutation.loyaltyCardVoid",
        STAFF_ONLY,
        mutation("loyaltyCardVoid", "id: ID!", "card { id }"),
        lambda w, a: {"id": w.card_id},
        path("card"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS; the app, asking after staff voided the card, is let past the "
        "permission check and told it is done",
        app=RULE("ALREADY_DONE"),
    ),
    Row(
        "Mutation.loyaltyCardPrintQueue",
        STAFF_ONLY,
        mutation("loyaltyCardPrintQueue", "since: DateTime!", "cards"),
        lambda w, a: {"since": (timezone.now() - timedelta(days=1)).isoformat()},
        path("cards"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    Row(
        "Mutation.loyaltyCardProgramDeactivate",
        STAFF_ONLY,
        mutation("loyaltyCardProgramDeactivate", "id: ID!", "program { id }"),
        lambda w, a: {"id": w.program_id},
        path("program"),
        permissions=("MANAGE_DISCOUNTS",),
        why="MANAGE_DISCOUNTS",
    ),
    # --- mutations: forum --------------------------------------------------------------------
    Row(
        "Mutation.forumTopicCreate",
        (NO, YES, NO, NO, YES),
        mutation(
            "forumTopicCreate", "boardId: ID!, title: String!, body: String!", "topic { title }"
        ),
        lambda w, a: {"boardId": w.board_id, "title": f"By {a}", "body": "Hello"},
        path("topic"),
        refused_by=("NOT_SIGNED_IN", "BOARD_CLOSED"),
        permissions=("MANAGE_PAGES",),
        why="whoever may read the board (forumTopics)",
        app=NO,  # an app is no member: it moderates, but cannot write as one
    ),
    Row(
        "Mutation.forumPostCreate",
        (NO, YES, NO, NO, YES),
        mutation("forumPostCreate", "topicId: ID!, body: String!", "post { body }"),
        lambda w, a: {"topicId": w.topic_id, "body": f"Reply by {a}"},
        path("post"),
        refused_by=("NOT_SIGNED_IN", "BOARD_CLOSED"),
        permissions=("MANAGE_PAGES",),
        why="as forumTopicCreate",
        app=NO,  # an app is no member: it moderates, but cannot write as one
    ),
    Row(
        "Mutation.forumPostUpdate",
        (NO, YES, NO, NO, NO),
        mutation("forumPostUpdate", "id: ID!, body: String!", "post { body }"),
        lambda w, a: {"id": w.owner_post_id, "body": f"Edited by {a}"},
        path("post"),
        refused_by=("NOT_SIGNED_IN", "BOARD_CLOSED"),
        why="only the author edits; forum staff hide instead",
    ),
    Row(
        "Mutation.forumReport",
        (NO, RULE("INVALID"), NO, NO, YES),
        mutation("forumReport", "postId: ID!", "post { id }"),
        lambda w, a: {"postId": w.owner_post_id},
        path("post"),
        refused_by=("NOT_SIGNED_IN", "BOARD_CLOSED"),
        permissions=("MANAGE_PAGES",),
        why="readers of the board report others' posts",
        app=NO,  # an app is no member: it moderates, but cannot write as one
    ),
    Row(
        "Mutation.forumTopicSubscribe",
        (NO, YES, NO, NO, YES),
        mutation("forumTopicSubscribe", "topicId: ID!", "topic { title }"),
        lambda w, a: {"topicId": w.topic_id},
        path("topic"),
        refused_by=("NOT_SIGNED_IN", "BOARD_CLOSED"),
        permissions=("MANAGE_PAGES",),
        why="readers of the board",
        app=NO,  # an app is no member: it moderates, but cannot write as one
    ),
    Row(
        "Mutation.forumTopicUnsubscribe",
        (NO, YES, BLIND, BLIND, YES),
        mutation(
            "forumTopicUnsubscribe",
            "topicId: ID!",
            "topic { title posts { edges { node { body } } } }",
        ),
        lambda w, a: {"topicId": w.topic_id},
        path("topic"),
        refused_by=("NOT_SIGNED_IN",),
        permissions=("MANAGE_PAGES",),
        why="anyone signed in may stop following; the topic shows only to its board's readers",
        app=NO,  # an app is no member: it moderates, but cannot write as one
    ),
    Row(
        "Mutation.forumModerate",
        STAFF_ONLY,
        mutation("forumModerate", "action: ForumModerationAction!, topicId: ID", "topic { id }"),
        lambda w, a: {"action": "PIN", "topicId": w.topic_id},
        path("topic"),
        permissions=("MANAGE_PAGES",),
        why="MANAGE_PAGES",
    ),
    Row(
        "Mutation.forumBoardCreate",
        STAFF_ONLY,
        mutation("forumBoardCreate", "input: ForumBoardInput!", "board { id }"),
        lambda w, a: {"input": {"name": f"Board by {a}"}},
        path("board"),
        permissions=("MANAGE_PAGES",),
        why="MANAGE_PAGES",
    ),
    Row(
        "Mutation.forumBoardUpdate",
        STAFF_ONLY,
        mutation("forumBoardUpdate", "id: ID!, input: ForumBoardInput!", "board { id }"),
        lambda w, a: {"id": w.board_id, "input": {"description": f"By {a}"}},
        path("board"),
        permissions=("MANAGE_PAGES",),
        why="MANAGE_PAGES",
    ),
    # --- mutations: reviews ------------------------------------------------------------------
    Row(
        "Mutation.reviewCreate",
        (NO, RULE("ALREADY_REVIEWED"), NO, NO, NO),
        mutation("reviewCreate", "input: ReviewCreateInput!", "review { id }"),
        lambda w, a: {"input": {"product": w.product_id, "rating": 4, "title": "Hi", "body": "Ok"}},
        path("review"),
        refused_by=("NOT_SIGNED_IN", "NOT_A_BUYER"),
        why="buyers of a shipped line (the owner has reviewed hers already); staff too",
    ),
    Row(
        "Mutation.reviewUpdate",
        (NO, RULE("NOT_EDITABLE"), NO, NO, NO),
        mutation("reviewUpdate", "id: ID!, input: ReviewUpdateInput!", "review { id }"),
        lambda w, a: {"id": w.review_id, "input": {"title": f"By {a}"}},
        path("review"),
        refused_by=("NOT_SIGNED_IN", "NOT_FOUND"),
        why="the author, while pending (hers is published); others are told it does not exist",
    ),
    Row(
        "Mutation.reviewVote",
        (NO, RULE("INVALID"), YES, YES, YES),
        mutation("reviewVote", "id: ID!", "review { id }"),
        lambda w, a: {"id": w.review_id},
        path("review"),
        refused_by=("NOT_SIGNED_IN",),
        why="any signed-in account, on others' published reviews",
    ),
    Row(
        "Mutation.reviewReport",
        (NO, RULE("INVALID"), YES, YES, YES),
        mutation("reviewReport", "id: ID!", "review { id }"),
        lambda w, a: {"id": w.review_id},
        path("review"),
        refused_by=("NOT_SIGNED_IN",),
        why="as reviewVote",
    ),
    Row(
        "Mutation.reviewModerate",
        STAFF_ONLY,
        mutation("reviewModerate", "id: ID!, isComplaint: Boolean", "review { id }"),
        lambda w, a: {"id": w.review_id, "isComplaint": True},
        path("review"),
        permissions=("MANAGE_PRODUCTS",),
        why="MANAGE_PRODUCTS",
    ),
    Row(
        "Mutation.reviewReply",
        STAFF_ONLY,
        mutation("reviewReply", "id: ID!, text: String!", "review { id }"),
        lambda w, a: {"id": w.review_id, "text": f"Thanks, from {a}"},
        path("review"),
        permissions=("MANAGE_PRODUCTS",),
        why="MANAGE_PRODUCTS",
    ),
    Row(
        "Mutation.reviewImport",
        STAFF_ONLY,
        mutation("reviewImport", "input: ReviewImportInput!", "review { id }"),
        lambda w, a: {
            "input": {"product": w.product_id, "rating": 5, "authorName": "Ann", "body": a}
        },
        path("review"),
        permissions=("MANAGE_PRODUCTS",),
        why="MANAGE_PRODUCTS",
    ),
    # --- insight: staff with MANAGE_USERS only; a shopper sees none of her own scores ----------
    user_row(
        "customerFile",
        "{ stage paidOrders }",
        STAFF_ONLY,
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS; the customer herself sees no file or score of hers",
    ),
    Row(
        "Query.customerSegments",
        STAFF_ONLY,
        "{ customerSegments(first: 5) { edges { node { id count } } } }",
        value=path("customerSegments"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Query.customerSegment",
        STAFF_ONLY,
        "query($id: ID!) { customerSegment(id: $id) { id count } }",
        lambda w, a: {"id": _segment(f"Read by {a}")},
        path("customerSegment"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Query.customerSegmentPreview",
        STAFF_ONLY,
        """query { customerSegmentPreview(rules: {stages: [ACTIVE, REPEAT, POTENTIAL]}, first: 5) {
            totalCount edges { node { id } } } }""",
        value=path("customerSegmentPreview"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Query.retentionAnalytics",
        STAFF_ONLY,
        "{ retentionAnalytics { points { __typename } } }",
        value=path("retentionAnalytics"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Query.retentionAuditEvents",
        STAFF_ONLY,
        "{ retentionAuditEvents(first: 5) { totalCount edges { node { action } } } }",
        value=path("retentionAuditEvents"),
        permissions=("MANAGE_PLUGINS",),
        why="MANAGE_PLUGINS (the record spans every domain and the plugin's settings)",
    ),
    Row(
        "Mutation.customerNoteAdd",
        STAFF_ONLY,
        mutation("customerNoteAdd", "customerId: ID!, body: String!", "note { id }"),
        lambda w, a: {"customerId": w.owner_id, "body": f"Called by {a}"},
        path("note"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerNoteDelete",
        STAFF_ONLY,
        mutation("customerNoteDelete", "id: ID!", ""),
        lambda w, a: {"id": _note(w, a)},
        lambda payload, w: True,
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerTagAdd",
        STAFF_ONLY,
        mutation("customerTagAdd", "customerId: ID!, tag: String!", "tags"),
        lambda w, a: {"customerId": w.owner_id, "tag": f"tag-{a}"},
        path("tags"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerTagRemove",
        STAFF_ONLY,
        mutation("customerTagRemove", "customerId: ID!, tag: String!", "tags"),
        lambda w, a: {"customerId": w.owner_id, "tag": "tag-staff"},
        lambda payload, w: True,
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerContactLog",
        STAFF_ONLY,
        mutation(
            "customerContactLog",
            "customerId: ID!, channel: CustomerContactChannel!, summary: String!",
            "contact { id }",
        ),
        lambda w, a: {"customerId": w.owner_id, "channel": "PHONE", "summary": f"By {a}"},
        path("contact"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerSegmentSave",
        STAFF_ONLY,
        mutation(
            "customerSegmentSave",
            "name: String, rules: CustomerSegmentRulesInput",
            "segment { id }",
        ),
        lambda w, a: {"name": f"Saved by {a}", "rules": {"stages": ["ACTIVE"]}},
        path("segment"),
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
    Row(
        "Mutation.customerSegmentDelete",
        STAFF_ONLY,
        mutation("customerSegmentDelete", "id: ID!", ""),
        lambda w, a: {"id": _segment(f"Deleted by {a}")},
        lambda payload, w: True,
        permissions=("MANAGE_USERS",),
        why="MANAGE_USERS",
    ),
)


# --- the schema side ---------------------------------------------------------------------------


def retention_fields() -> set[str]:
    """Type.field for every field the served schema has and Saleor's own schema lacks: the
    plugin's root queries and mutations and its fields on Saleor's types."""
    ours, saleors = retention_schema.get_type_map(), saleor_schema.get_type_map()
    found = set()
    for name, gql_type in ours.items():
        if name.startswith("__") or name not in saleors or not hasattr(gql_type, "fields"):
            continue
        found |= {f"{name}.{field}" for field in set(gql_type.fields) - set(saleors[name].fields)}
    return found


def test_every_retention_field_has_a_row():
    rows = [row.field for row in ROWS]
    assert len(rows) == len(set(rows)), "a field has two rows"
    assert set(rows) == retention_fields(), (
        f"without a row: {sorted(retention_fields() - set(rows))}; "
        f"rows for no field: {sorted(set(rows) - retention_fields())}"
    )


# --- the world -----------------------------------------------------------------------------------


def build_world(driver: SaleorDriver) -> World:
    from tests.test_cards import TEN_OFF

    driver.plugin_update(
        signup_bonus="1000",
        points_per_currency_unit="USD:1",
        redeem_value_per_point="USD:0.01",
        redeem_min_points="100",
        referral_bonus_referrer="100",
        referral_bonus_referee="100",
    )
    admin = driver.staff_token()
    program = driver.mutate(
        "loyaltyCardProgramCreate",
        mutation("loyaltyCardProgramCreate", "input: LoyaltyCardProgramInput!", "program { id }"),
        {"input": TEN_OFF},
        token=admin,
    )["program"]

    # the owner: one paid, shipped order (a card in the parcel), a review, a birthday, a checkout
    owner_id = driver.account_register("owner@example.com")
    owner = driver.token_create("owner@example.com", "customer-password")
    order = driver.buy(email="owner@example.com", quantity=2, token=owner)
    driver.order_fulfill(order["id"])
    review = driver.mutate(
        "reviewCreate",
        mutation("reviewCreate", "input: ReviewCreateInput!", "review { id }"),
        {
            "input": {
                "product": gid("Product", driver.store.product_id),
                "rating": 5,
                "body": "Good",
            }
        },
        token=owner,
    )["review"]  # published at once: the store does not hold reviews for moderation
    driver.mutate(
        "loyaltyBirthdaySet",
        mutation("loyaltyBirthdaySet", "birthday: Date!", "birthday"),
        {"birthday": "1990-05-17"},
        token=owner,
    )
    checkout = driver.checkout_create(email="owner@example.com", token=owner)
    referral_code = driver.query("{ me { loyaltyReferralCode } }", token=owner)["me"][
        "loyaltyReferralCode"
    ]

    # the forum: a board for customers with a paid order, a staff topic, the owner's reply
    board = driver.mutate(
        "forumBoardCreate",
        mutation("forumBoardCreate", "input: ForumBoardInput!", "board { id }"),
        {"input": {"name": "Regulars", "access": "REPEAT_CUSTOMERS", "minPaidOrders": 1}},
        token=admin,
    )["board"]
    topic = driver.mutate(
        "forumTopicCreate",
        mutation("forumTopicCreate", "boardId: ID!, title: String!, body: String!", "topic { id }"),
        {"boardId": board["id"], "title": "Regulars only", "body": "Welcome"},
        token=admin,
    )["topic"]
    post = driver.mutate(
        "forumPostCreate",
        mutation("forumPostCreate", "topicId: ID!, body: String!", "post { id }"),
        {"topicId": topic["id"], "body": "Glad to be here"},
        token=owner,
    )["post"]

    # another customer, with no orders
    driver.account_register("other@example.com")
    other = driver.token_create("other@example.com", "customer-password")

    line_id = str(order_line_pk(order["id"]))
    return World(
        tokens={"anon": None, "owner": owner, "other": other},
        staff=StaffAccounts(driver),
        owner_id=owner_id,
        order_id=order["id"],
        order_line_id=gid("OrderLine", line_id),
        checkout_token=checkout["token"],
        card_id=gid("LoyaltyCard", LoyaltyCard.objects.get().pk),
        program_id=program["id"],
        product_id=gid("Product", driver.store.product_id),
        board_id=board["id"],
        topic_id=topic["id"],
        owner_post_id=post["id"],
        review_id=review["id"],
        review_request_token=review_services.review_token(line_id),
        referral_code=referral_code,
    )


def order_line_pk(order_id: str) -> int:
    from saleor.order.models import OrderLine

    return OrderLine.objects.get(order_id=pk_of(order_id)).pk


# --- running a cell ------------------------------------------------------------------------------


def _empty(value: Any, row: Row) -> bool:
    if isinstance(value, dict) and set(value) == {"edges"}:
        value = value["edges"]  # a connection: refused as an empty page
    return value is None or (row.empty_is_refused and value == [])


def outcome(row: Row, body: dict[str, Any], world: World) -> tuple[str, str]:
    """The cell's outcome, and what was wrong with it if it leaked on a refusal."""
    data = body.get("data") or {}
    assert row.value is not None
    if not row.is_mutation:
        return (NO if _empty(row.value(data, world), row) else YES), ""
    name = row.field.split(".", 1)[1]
    payload = data.get(name)
    if payload is None:  # a top-level error: refused before the mutation ran
        return NO, ""
    errors = payload["errors"]
    if not errors:
        return (BLIND if _empty(row.value(payload, world), row) else YES), ""
    code = errors[0]["code"]
    if code not in (*row.refused_by, "PERMISSION_DENIED"):
        return RULE(code), ""
    leaked = {key: value for key, value in payload.items() if key != "errors" and value is not None}
    return NO, (f"refused but showed {leaked}" if leaked else "")


@pytest.mark.django_db
def test_permission_matrix(retention_on):
    # given one store: an owner with her data, another customer, and staff with and without
    # each row's permissions
    world = build_world(retention_on)

    # when every caller reads every retention field and tries every retention mutation
    problems = []
    for row in ROWS:
        for actor in RUN_ORDER:
            expected = row.expected(actor)
            token = app_token = None
            if actor == "app":
                app_token = world.staff.app_holding(frozenset(row.permissions) or world.staff.every)
            elif actor in ("bare", "staff"):
                token = world.staff.token_for(row, actor)
            else:
                token = world.tokens[actor]
            body = retention_on.execute(
                row.document, row.variables(world, actor), token=token, app_token=app_token
            )
            got, leak = outcome(row, body, world)
            if got != expected or leak:
                problems.append(
                    f"{row.field} as {actor}: expected {expected}, got {got} {leak}"
                    f"\n    {json.dumps(body)[:300]}"
                )

    # then each cell is as the table says, and no refusal shows data
    assert not problems, f"{len(problems)} cells differ:\n" + "\n".join(problems)
    made = CardProgram.objects.filter(name__startswith="Matrix ")
    assert sorted(made.values_list("name", flat=True)) == ["Matrix app", "Matrix staff"]
    # and what an app did is on record under the app, with no staff member named
    from saleor_retention.audit.models import AuditEvent

    by_apps = AuditEvent.objects.exclude(actor_app_id="")
    assert by_apps.filter(action="points_adjusted").exists(), list(by_apps.values("action"))
    assert not by_apps.filter(actor__isnull=False).exists()
    assert all(name.startswith("app") for name in by_apps.values_list("actor_app_name", flat=True))


def test_the_table_itself_is_well_formed():
    for row in ROWS:
        assert len(row.cells) == len(ACTORS), row.field
        assert row.value is not None, row.field
        for cell in row.cells:
            assert cell in (YES, NO, BLIND) or cell.startswith("RULE:"), (row.field, cell)
        assert row.why or row.cells == ANYONE or row.field.startswith("Product."), row.field
