"""Generated inputs for every retention mutation (issue 9), as staff with every permission and as a
shopper, through the real endpoint.

hypothesis-graphql needs graphql-core 3, which Saleor 2.10 does not have, so the strategies are
built here from the served schema's own argument types: hostile strings (huge, NUL, bidi, markup,
lone surrogates), numbers at the edges, odd decimals, ids of the right type, of wrong types and
garbage. For each call:

- no top-level error, except GraphQL refusing a variable of the wrong type (HTTP 400, before
  anything runs);
- every error ``field`` is one of the mutation's GraphQL argument or input names (camelCase);
- a refusal (a non-empty ``errors`` list) leaves every plugin table exactly as it was.

``FUZZ_EXAMPLES`` sets how many calls (default 2000, about a minute on an idle machine); the examples are the
same on every run unless ``FUZZ_RANDOM`` is set.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from graphql.type.definition import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_retention.graphql.schema import schema
from tests.conftest import run_on_commit
from tests.test_cards import create_program

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
PLUGIN_PREFIXES = ("retention", "loyalty", "review", "forum")
MUTATIONS = {
    name: field
    for name, field in schema.get_mutation_type().fields.items()
    if name.startswith(PLUGIN_PREFIXES)
}

HOSTILE_STRINGS = [
    "",
    " ",
    "\t\n\r",
    "a",
    "Gold",
    "general",
    "x" * 101,
    "x" * 2001,
    "y" * 100_000,
    "\x00",
    "a\x00b",
    "\u202egnp.exe",
    "\u2066hidden\u2069",
    "\u200b",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;b&gt;bold&lt;/b&gt;",
    "😀" * 300,
    "\ud800",
    "a\udfffb",
    "'; DROP TABLE saleor_retention_ledgerentry; --",
    "%(name)s %s {0} {}",
    "１２３",
    "²",
    "9" * 40,
    "-1",
    "0",
    "NaN",
    "1e30",
    "null",
    "\r\n" * 300,
    "Ω" * 3000,
    "fixed.html",
    "../../etc/passwd",
]
DECIMALS = [
    "1e30",
    "-1e30",
    "1E-30",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "-0",
    "0",
    "0.001",
    "1.005",
    "10",
    "50",
    "100",
    "100.01",
    "1000000",
    "1000000.01",
    "9" * 40,
    "abc",
    "",
    1e308,
    -1,
    0,
]
INTS = [0, 1, -1, 2, 5, 20, 100, 730, 1000, 3650, 10**6, 2**31 - 1, -(2**31)]
DATETIMES = [
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "1970-01-01T00:00:00Z",
    "2020-02-29T12:00:00+14:00",
    "not a date",
    "",
]
DATES = ["0001-01-01", "9999-12-31", "2000-02-29", "2001-02-29", "1900-01-01", "tomorrow"]
# (mutation, argument or input field) -> the id type it wants; others draw from every pool
ID_TYPES = {
    "boardId": "ForumBoard",
    "topicId": "ForumTopic",
    "postId": "ForumPost",
    "replyToId": "ForumPost",
    "customerId": "User",
    "customerIds": "User",
    "product": "Product",
    "orderLine": "OrderLine",
    "forumBoardUpdate.id": "ForumBoard",
    "forumPostUpdate.id": "ForumPost",
    "loyaltyCardVoid.id": "LoyaltyCard",
    "loyaltyCardProgramUpdate.id": "LoyaltyCardProgram",
    "loyaltyCardProgramDeactivate.id": "LoyaltyCardProgram",
    "review": "Review",
}


def garbage_ids():
    pieces = st.sampled_from(["Review", "User", "ForumTopic", "Nope", "", "LoyaltyCard"])
    pks = st.sampled_from(["1", "0", "-1", "²", "9" * 30, "", "abc", "1.5", " 1", "%00"])
    encoded = st.builds(
        lambda kind, pk: base64.b64encode(f"{kind}:{pk}".encode()).decode(), pieces, pks
    )
    return st.one_of(encoded, st.sampled_from(HOSTILE_STRINGS), st.text(max_size=30))


class Strategies:
    """Values for each GraphQL input type; ids come from the world the test built."""

    def __init__(self, world: dict[str, list[str]], checkout_tokens: list[str]):
        self.world = world
        self.every_id = [gid for ids in world.values() for gid in ids]
        self.checkout_tokens = checkout_tokens

    def strings(self):
        return st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40))

    def ids(self, path: str):
        wanted = ID_TYPES.get(path) or ID_TYPES.get(path.split(".")[-1])
        if path.startswith("review") and path.endswith(".id"):
            wanted = "Review"
        right = st.sampled_from(self.world.get(wanted) or self.every_id)
        if path == "retentionEventsRetry.eventId":
            right = st.sampled_from(self.world["PluginEvent"])
        return st.one_of(right, right, right, st.sampled_from(self.every_id), garbage_ids())

    def scalar(self, type_, path: str):
        name = type_.name
        if name in ("String",):
            return self.strings()
        if name == "ID":
            return self.ids(path)
        if name == "Int":
            return st.one_of(st.sampled_from(INTS), st.integers(-(2**31), 2**31 - 1))
        if name == "Float":
            return st.floats(allow_nan=False, allow_infinity=False)
        if name == "Boolean":
            return st.booleans()
        if name == "Decimal":
            return st.one_of(
                st.sampled_from(DECIMALS),
                st.decimals(
                    min_value=Decimal("-1e7"), max_value=Decimal("1e7"), places=3, allow_nan=False
                ).map(str),
            )
        if name == "DateTime":
            return st.one_of(
                st.sampled_from(DATETIMES),
                st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
            )
        if name == "Date":
            return st.one_of(st.sampled_from(DATES), st.dates().map(date.isoformat))
        if name == "UUID":
            return st.one_of(
                st.sampled_from(self.checkout_tokens),
                st.uuids().map(str),
                st.sampled_from(["not-a-uuid", ""]),
            )
        if name == "Upload":
            return st.one_of(st.none(), self.strings())
        return self.strings()

    def value(self, type_, path: str):
        if isinstance(type_, GraphQLNonNull):
            return self.value_of(type_.of_type, path)
        return st.one_of(st.none(), self.value_of(type_, path))

    def value_of(self, type_, path: str):
        if isinstance(type_, GraphQLList):
            return st.lists(self.value(type_.of_type, path), max_size=4) | st.lists(
                self.value(type_.of_type, path), min_size=20, max_size=25
            )
        if isinstance(type_, GraphQLEnumType):
            return st.sampled_from([value.name for value in type_.values])
        if isinstance(type_, GraphQLInputObjectType):
            fields = type_.fields.items()
            required = {
                n: self.value(f.type, f"{path}.{n}")
                for n, f in fields
                if isinstance(f.type, GraphQLNonNull)
            }
            optional = {
                n: self.value(f.type, f"{path}.{n}")
                for n, f in fields
                if not isinstance(f.type, GraphQLNonNull)
            }
            return st.fixed_dictionaries(required, optional=optional)
        assert isinstance(type_, GraphQLScalarType), type_
        return self.scalar(type_, path)

    def call(self, name: str):
        field = MUTATIONS[name]
        arguments = {a: self.value(arg.type, f"{name}.{a}") for a, arg in field.args.items()}
        return st.tuples(st.just(name), st.fixed_dictionaries(arguments))


def input_names(field) -> set[str]:
    """Every argument and (nested) input field name of a mutation: what ``field`` may say."""
    names: set[str] = set()
    pending = [arg for arg in field.args.items()]
    while pending:
        name, arg = pending.pop()
        names.add(name)
        inner = arg.type
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            inner = inner.of_type
        if isinstance(inner, GraphQLInputObjectType):
            pending.extend(inner.fields.items())
    return names


def document(name: str) -> str:
    field = MUTATIONS[name]
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in field.args)
    return (
        f"mutation({declared}) {{ {name}({passed}) {{ errors {{ field code message }} }} }}"
        if declared
        else f"mutation {{ {name} {{ errors {{ field code message }} }} }}"
    )


def plugin_tables_checksum() -> dict[str, str]:
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("saleor_retention").get_models()
        if model._meta.managed
    ]
    sql = " UNION ALL ".join(
        f"SELECT '{t}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
        f'FROM "{t}" r'
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def is_type_refusal(status: int, payload: dict) -> bool:
    """GraphQL itself refusing a variable's value for its declared type (``Variable "$x" got
    invalid value``, graphene's UUID scalar raising): HTTP 400 before anything runs, no data."""
    return status == 400 and "data" not in payload and bool(payload.get("errors"))


@pytest.fixture
def world(retention_on):
    """A store with one of everything a retention mutation can point at."""
    driver = retention_on
    driver.plugin_update(review_points=20, signup_bonus=500, redeem_min_points=1)
    program = create_program(driver)["program"]
    driver.account_register("fuzz@example.com")
    shopper = driver.token_create("fuzz@example.com", "customer-password")
    order = driver.buy(email="fuzz@example.com", quantity=3, token=shopper)
    driver.order_fulfill(order["id"])
    review = driver.mutate(
        "reviewCreate",
        "mutation($input: ReviewCreateInput!) { reviewCreate(input: $input) { review { id } "
        "errors { field code } } }",
        {"input": {"product": to_global_id("Product", driver.store.product_id), "rating": 5}},
        token=shopper,
    )["review"]
    board = driver.mutate(
        "forumBoardCreate",
        "mutation($input: ForumBoardInput!) { forumBoardCreate(input: $input) { board { id } "
        "errors { field code } } }",
        {"input": {"name": "General", "slug": "general"}},
        token=driver.staff_token(),
    )["board"]
    topic = driver.mutate(
        "forumTopicCreate",
        'mutation($b: ID!) { forumTopicCreate(boardId: $b, title: "Hi", body: "First") { '
        "topic { id } errors { field code } } }",
        {"b": board["id"]},
        token=shopper,
    )["topic"]
    checkout = driver.checkout_create(email="fuzz@example.com", token=shopper)
    driver.checkout_shipping_method_update(checkout["id"], token=shopper)

    from saleor.account.models import User
    from saleor.order.models import OrderLine

    from saleor_retention.cards.models import LoyaltyCard
    from saleor_retention.forum.models import ForumPost
    from saleor_retention.inbox.models import PluginEvent

    ids = {
        "LoyaltyCardProgram": [program["id"]],
        "LoyaltyCard": [to_global_id("LoyaltyCard", c.pk) for c in LoyaltyCard.objects.all()],
        "Review": [review["id"]],
        "ForumBoard": [board["id"]],
        "ForumTopic": [topic["id"]],
        "ForumPost": [to_global_id("ForumPost", p.pk) for p in ForumPost.objects.all()],
        "User": [to_global_id("User", u.pk) for u in User.objects.all()],
        "Product": [to_global_id("Product", driver.store.product_id)],
        "OrderLine": [to_global_id("OrderLine", line.pk) for line in OrderLine.objects.all()],
        "PluginEvent": [str(e.pk) for e in PluginEvent.objects.all()][:5] or ["1"],
    }
    assert all(ids.values()), ids
    return driver, shopper, Strategies(ids, [checkout["token"]])


def test_generated_inputs_never_crash_and_refusals_change_nothing(world):
    driver, shopper, strategies = world
    tokens = {"staff": driver.staff_token(), "shopper": shopper}
    allowed_fields = {name: input_names(field) for name, field in MUTATIONS.items()}
    problems: dict[tuple, dict] = {}
    # mutation -> outcome -> calls: the test must reach the resolvers, not only GraphQL's checks
    outcomes: dict[str, Counter] = {name: Counter() for name in MUTATIONS}
    calls = st.one_of([strategies.call(name) for name in sorted(MUTATIONS)])

    def problem(signature, **details):
        problems.setdefault(signature, details)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
    )
    @given(call=calls, actor=st.sampled_from(sorted(tokens)))
    def run(call, actor):
        name, variables = call
        variables = {k: v for k, v in variables.items() if v is not None}
        before = plugin_tables_checksum()
        body = json.dumps({"query": document(name), "variables": variables})
        headers = {"HTTP_AUTHORIZATION": f"JWT {tokens[actor]}"}
        try:
            with run_on_commit():
                response = driver.client.post(
                    "/graphql/", body, content_type="application/json", **headers
                )
        except Exception as error:  # noqa: BLE001 - a crash is what the test looks for
            problem((name, "crash", type(error).__name__), error=repr(error)[:300], vars=variables)
            return
        payload = response.json()
        if is_type_refusal(response.status_code, payload):
            outcomes[name]["type refusal"] += 1
            return
        if response.status_code != 200 or payload.get("errors"):
            message = (payload.get("errors") or [{}])[0].get("message", "")[:120]
            problem((name, "top-level", message[:60]), errors=payload.get("errors"), vars=variables)
            return
        errors = payload["data"][name]["errors"]
        outcomes[name]["refused" if errors else "done"] += 1
        for error in errors:
            if error["field"] is not None and error["field"] not in allowed_fields[name]:
                problem((name, "field", error["field"]), error=error, vars=variables)
        if errors:
            after = plugin_tables_checksum()
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                problem((name, "changed", tuple(changed)), errors=errors, vars=variables)

    run()
    report = {" / ".join(map(str, k)): v for k, v in problems.items()}
    assert not report, json.dumps(report, indent=1, default=str)[:20000]
    print({name: dict(counts) for name, counts in outcomes.items()})  # shown with -s
    reached = {name: counts["refused"] + counts["done"] for name, counts in outcomes.items()}
    assert sum(reached.values()) > EXAMPLES // 2
    assert min(reached.values()) >= min(10, EXAMPLES // 200), reached
