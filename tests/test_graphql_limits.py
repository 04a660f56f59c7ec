"""Query limits on the combined endpoint (issue 9, item 2): depth, cost and alias repetition are
checked on the parsed document and an over-limit query is refused before anything runs."""

import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from graphql import parse
from graphql.utils.introspection_query import introspection_query

from saleor_retention.graphql.limits import analyse, refusal
from saleor_retention.graphql.schema import schema
from saleor_retention.query_limits import DEFAULTS, Limits
from tests.connections import nodes
from tests.saleor_clients import CLIENTS, client_operations, client_repositories


@pytest.fixture(autouse=True)
def _keep_the_test_language():
    with translation.override(translation.get_language()):
        yield


def _post(driver, query, variables=None, *, token=None, language=None):
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    body = json.dumps({"query": query, "variables": variables or {}})
    response = driver.client.post("/graphql/", body, content_type="application/json", **headers)
    return response.status_code, response.json()


def _nested_entries(cycles: int, first: int = 20) -> str:
    """me.loyalty.entries.order.user.loyalty.entries... ``cycles`` times round."""
    query = "id points"
    for _ in range(cycles):
        query = f"loyalty {{ entries(first: {first}) {{ edges {{ node {{ {query} }} }} }} }}"
        query = f"order {{ user {{ {query} }} }} id points"
    return "{ me { loyalty { entries(first: %d) { edges { node { %s } } } } } }" % (first, query)


@pytest.fixture
def shopper_with_orders(retention_on):
    driver = retention_on
    driver.account_register("nested@example.com")
    token = driver.token_create("nested@example.com", "customer-password")
    for _ in range(3):
        driver.buy(email="nested@example.com", token=token)
    return driver, token


def _plugin_queries(queries):
    return [q["sql"] for q in queries if "saleor_retention_" in q["sql"]]


def test_the_nested_loyalty_query_is_refused_before_it_runs(shopper_with_orders):
    # given a shopper whose points history links to orders that link back to her
    driver, token = shopper_with_orders
    query = _nested_entries(cycles=4)
    assert len(query) < 450  # edges { node } make each round longer

    # when she sends the depth-4 cycle that once took 89 s
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        status, body = _post(driver, query, token=token)
    elapsed = time.monotonic() - started

    # then it is refused with a clear, typed error, in well under a second, nothing resolved
    assert status == 400
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["extensions"]["maxDepth"] == DEFAULTS["RETENTION_GRAPHQL_MAX_DEPTH"]
    assert "levels deep" in error["message"]
    assert elapsed < 1
    assert _plugin_queries(queries.captured_queries) == []


def test_one_cycle_still_answers(shopper_with_orders):
    # given the same shopper
    driver, token = shopper_with_orders

    # when she asks for her history with each entry's order and its points, one cycle deep
    status, body = _post(driver, _nested_entries(cycles=1), token=token)

    # then it is answered
    assert status == 200, body
    entries = nodes(body["data"]["me"]["loyalty"]["entries"])
    assert entries and all(e["order"]["user"]["loyalty"] for e in entries if e["order"])


def test_wide_pages_multiply_through_nesting_and_are_refused(shopper_with_orders):
    # given a query within the depth limit but with 100-row pages inside 100-row pages
    driver, token = shopper_with_orders
    query = """{ me { loyalty { entries(first: 100) { edges { node { order { user { loyalty {
        entries(first: 100) { edges { node { order { user { loyalty { points } } } } } }
    } } } } } } } } }"""
    analysis = analyse(schema, parse(query))
    assert analysis.depth <= DEFAULTS["RETENTION_GRAPHQL_MAX_DEPTH"]
    assert analysis.cost > DEFAULTS["RETENTION_GRAPHQL_MAX_COST"]

    # when it is sent
    status, body = _post(driver, query, token=token)

    # then it is refused as too complex, with the numbers
    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == analysis.cost
    assert error["extensions"]["maxCost"] == DEFAULTS["RETENTION_GRAPHQL_MAX_COST"]


def test_two_hundred_aliases_of_retention_data_are_refused(shopper_with_orders):
    # given 200 aliases of the shopper's data export
    driver, token = shopper_with_orders
    aliases = " ".join(f"a{i}: retentionData" for i in range(200))

    # when she sends them
    with CaptureQueriesContext(connection) as queries:
        status, body = _post(driver, f"{{ me {{ {aliases} }} }}", token=token)

    # then the request is refused before one export runs
    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_REPETITIVE"
    assert error["extensions"]["field"] == "retentionData"
    assert error["extensions"]["repeats"] == 200
    assert _plugin_queries(queries.captured_queries) == []


def test_the_refusal_is_in_the_callers_language(shopper_with_orders):
    driver, token = shopper_with_orders

    status, body = _post(driver, _nested_entries(cycles=4), token=token, language="zh-hans")

    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert "层" in body["errors"][0]["message"]


def test_fragments_inline_fragments_and_variables_count_like_the_query_written_out():
    # given one query written out, and the same through a fragment, an inline fragment and a
    # variable for first
    written_out = (
        """{ me { loyalty { entries(first: 30) { edges { node { order { id number } } } } } } }"""
    )
    through_fragments = """
        query Q($first: Int) { me { ...Account } }
        fragment Account on User { loyalty { entries(first: $first) { ...Page } } }
        fragment Page on LoyaltyEntryCountableConnection { edges { node { ... on LoyaltyEntry { order { id number } } } } }
    """

    # when both are analysed
    plain = analyse(schema, parse(written_out))
    folded = analyse(schema, parse(through_fragments), {"first": 30})

    # then they count the same; the variable drives the multiplier; a full page applies unset
    # (each entry: its edge and node, the order and its two fields)
    per_entry = 1 + 1 + 2 + 2
    assert (folded.depth, folded.cost) == (plain.depth, plain.cost) == (7, 5 + 30 * per_entry)
    assert analyse(schema, parse(through_fragments), {"first": 60}).cost == 5 + 60 * per_entry
    assert analyse(schema, parse(through_fragments), {}).cost == 5 + 100 * per_entry


def test_a_fragment_bomb_is_analysed_in_linear_time_and_refused():
    # given 40 fragments, each spreading the one before twice under two aliases (2**40 fields)
    fragments = ["fragment F0 on Shop { retention { pluginActive } }"]
    for level in range(1, 41):
        fragments.append(
            f"fragment F{level} on Shop {{ ...F{level - 1} a: __typename ...F{level - 1} }}"
        )
    document = parse("{ shop { ...F40 } } " + " ".join(fragments))

    # when it is analysed
    started = time.monotonic()
    analysis = analyse(schema, document)

    # then at once, and the cost is not fooled by the folding (each spread counts)
    assert time.monotonic() - started < 0.5
    assert analysis.depth == 3
    assert analysis.cost == 1 + 2**40 * (2 + 1)
    assert refusal(analysis, Limits.from_settings()).code == "QUERY_TOO_COMPLEX"


def test_repetition_counts_aliases_across_fragments_at_one_level():
    query = """{ me { a: retentionData ...More } }
        fragment More on User { b: retentionData c: retentionData retentionData }"""
    analysis = analyse(schema, parse(query))
    assert (analysis.most_repeated_field, analysis.repeats) == ("retentionData", 4)
    assert analysis.cost == 1 + 4 * 500


def test_the_limits_are_settings(driver, settings):
    query = "{ shop { retention { pluginActive } } }"  # 3 levels

    settings.RETENTION_GRAPHQL_MAX_DEPTH = 2
    status, body = _post(driver, query)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"

    settings.RETENTION_GRAPHQL_MAX_DEPTH = 3
    assert _post(driver, query)[0] == 200

    settings.RETENTION_GRAPHQL_MAX_DEPTH = 0  # off
    settings.RETENTION_GRAPHQL_MAX_COST = 2
    status, body = _post(driver, query)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_a_bad_limit_setting_fails_the_system_check(settings):
    from django.core.checks import run_checks

    settings.RETENTION_GRAPHQL_MAX_COST = "lots"
    assert [e.id for e in run_checks() if e.id.startswith("saleor_retention.E2")] == [
        "saleor_retention.E201"
    ]


def test_introspection_and_a_full_product_page_pass_the_default_limits():
    # the playground's introspection query, and a storefront product page with 100 related items
    product_page = """query P($id: ID!) { product(id: $id) {
        id name descriptionJson seoTitle
        category { name products(first: 100) { edges { node {
            id name thumbnail { url } pricing { priceRange { start { gross { amount currency } } } }
            reviewSummary { average count }
        } } } }
        variants { id name pricing { price { gross { amount } } } attributes { attribute { name }
            values { name } } }
        images { url alt }
        reviews(first: 20) { edges { node { id rating title body } } }
    } }"""
    for document in (introspection_query, product_page):
        analysis = analyse(schema, parse(document), {"id": "UHJvZHVjdDox"})
        assert refusal(analysis, Limits.from_settings()) is None, analysis


@pytest.mark.skipif(
    not client_repositories(),
    reason=f"set {' and '.join(CLIENTS.values())} to git clones of Saleor's clients",
)
def test_no_operation_of_saleors_own_dashboard_or_storefront_is_refused():
    # given every operation of Saleor 2.10.1's dashboard and storefront, every Int variable
    # (page sizes) at 100, the largest page the dashboard offers
    operations = client_operations()
    assert len(operations) > 100

    # when each is analysed against the served schema
    refused = []
    for operation in operations:
        analysis = analyse(schema, operation.document, {v: 100 for v in operation.int_variables})
        error = refusal(analysis, Limits.from_settings())
        if error is not None:
            refused.append((operation.client, operation.name, error.extensions))

    # then none would be refused
    assert refused == []


def test_invalid_documents_are_left_to_graphql_validation(driver):
    # unknown types, fields, fragments and a fragment cycle: the analysis does not crash, and
    # Saleor's validation answers as before
    for query in (
        "{ shop { ... on Nope { name } } }",
        "{ shop { ...F } } fragment F on Nope { name }",
        "{ shop { ...Missing } }",
        "{ shop { ...A } } fragment A on Shop { ...B } fragment B on Shop { ...A }",
        "{ nope { deeper { still } } }",
    ):
        status, body = _post(driver, query)
        assert status == 400, query
        assert "code" not in body["errors"][0].get("extensions", {}), body


def test_a_long_batch_is_refused_and_a_client_sized_one_answers(driver):
    # Saleor runs a JSON list of operations one by one; its clients send at most 10 at a time
    def batch(count):
        body = json.dumps([{"query": "{ shop { retention { pluginActive } } }"}] * count)
        return driver.client.post("/graphql/", body, content_type="application/json")

    response = batch(DEFAULTS["RETENTION_GRAPHQL_MAX_BATCH"] + 1)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_BATCH_TOO_LARGE"

    response = batch(10)
    assert response.status_code == 200
    assert len(response.json()) == 10
