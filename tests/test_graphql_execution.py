"""How the combined endpoint executes on Saleor 2.10: each query text parsed and validated once
(``graphql/core/documents.py``), Saleor's per-field middlewares run without a
Promise around every field (``graphql/core/middleware.py``). Answers must not change."""

import contextlib
import json
from functools import partial

import pytest
from graphene.types.resolver import dict_or_attr_resolver
from promise import Promise

from saleor_retention.graphql import limits
from saleor_retention.graphql.core import documents
from saleor_retention.graphql.core.middleware import FieldMiddleware, reads_an_attribute
from saleor_retention.graphql.reviews.resolvers import resolve_review_summary
from saleor_retention.graphql.schema import schema
from saleor_retention.graphql.view import RetentionGraphQLView


def _post(driver, query, *, token=None, variables=None):
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    body = json.dumps({"query": query, "variables": variables or {}})
    response = driver.client.post("/graphql/", body, content_type="application/json", **headers)
    return response.json()


@pytest.fixture
def counted(monkeypatch):
    """Calls of graphql-core's parse and validate made through the document cache, which starts
    empty."""
    documents.documents.clear()
    calls = {"parse": 0, "validate": 0}

    def counting(name, original):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(documents, "parse", counting("parse", documents.parse))
    monkeypatch.setattr(documents, "validate", counting("validate", documents.validate))
    yield calls
    documents.documents.clear()


def test_a_query_text_sent_three_times_is_parsed_and_validated_once(driver, counted):
    answers = [_post(driver, "{ shop { name } }") for _ in range(3)]

    assert answers[0]["data"]["shop"]["name"]
    assert answers[1] == answers[0] == answers[2]
    # one parse serves the plugin's limits and Saleor's execution
    assert counted == {"parse": 1, "validate": 1}


def test_an_invalid_query_keeps_its_validation_error_each_time(driver, counted):
    first = _post(driver, "{ shop { noSuchField } }")
    second = _post(driver, "{ shop { noSuchField } }")

    assert "data" not in first or first["data"] is None
    assert 'Cannot query field "noSuchField" on type "Shop".' in first["errors"][0]["message"]
    assert second["errors"] == first["errors"]
    assert counted["validate"] == 1


def test_an_over_limit_query_is_refused_before_validation_runs(driver, counted):
    # 30 levels of nesting: the depth limit refuses it; validation (some of its rules quadratic)
    # must never see it
    query = "{ shop { name } }"
    for _ in range(30):
        query = "{ me { orders(first: 1) { edges { node { user " + query[1:-1] + " } } } } }"
    answer = _post(driver, query)

    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert counted["validate"] == 0


def test_a_syntax_error_is_still_reported_by_saleors_view(driver, counted):
    answer = _post(driver, "{ shop { name ")

    assert "Syntax Error" in answer["errors"][0]["message"]
    assert len(documents.documents) == 0  # a failed parse is not kept


def test_a_text_too_long_to_keep_is_parsed_once_by_the_limits_and_once_to_run(driver, counted):
    # padding the text past LONGEST_KEPT: nothing is kept, each request parses it again
    query = "{ shop { name } }" + " " * documents.LONGEST_KEPT
    answers = [_post(driver, query) for _ in range(2)]

    assert answers[0]["data"]["shop"]["name"] and answers[1] == answers[0]
    assert len(documents.documents) == 0
    assert counted == {"parse": 4, "validate": 2}  # per request: the limits' parse and one more


def test_the_document_cache_is_bounded_by_the_characters_it_keeps():
    cache = documents.DocumentCache(characters=1_000, longest=300)
    texts = [f"{{ a{n}: shop {{ name }} }}" for n in range(100)]  # 22-23 characters each
    for text in texts:
        cache.entry(text)
    assert cache.characters_kept <= 1_000
    assert 40 <= len(cache) < 100
    # the least recently used went first: the last text is kept, the first is parsed again
    last = cache.entry(texts[-1])
    assert cache.entry(texts[-1]) is last
    first = cache.entry(texts[0]).tree
    assert cache.entry(texts[0]).tree is first  # kept now that it was used again
    # a text over ``longest`` is parsed each time and never kept
    long_text = "{ shop { name } }" + " " * 400
    assert cache.entry(long_text) is not cache.entry(long_text)
    assert long_text not in cache._entries


def test_the_view_runs_saleors_middlewares_in_their_order_without_a_promise_per_field():
    from saleor.graphql.middleware import JWTMiddleware, OpentracingGrapheneMiddleware

    view = RetentionGraphQLView(schema=schema)

    assert isinstance(view.middleware, FieldMiddleware)
    kinds = [type(middleware) for middleware in view.middleware.middlewares]
    assert kinds[:2] == [OpentracingGrapheneMiddleware, JWTMiddleware]
    assert view.middleware.middlewares[2].__name__ == "app_middleware"


def _recording_middleware():
    """A per-field middleware that notes every field it runs around."""
    seen = []

    def recording(next_, root, info, **kwargs):
        seen.append(info)
        return next_(root, info, **kwargs)

    return seen, recording


def test_field_middleware_leaves_attribute_reads_alone_and_wraps_the_others_without_a_promise():
    seen, recording = _recording_middleware()
    manager = FieldMiddleware(recording)
    attribute = partial(dict_or_attr_resolver, "name", None)

    def own_resolver(root, info):
        return 42

    assert reads_an_attribute(attribute) and not reads_an_attribute(own_resolver)
    assert manager.get_field_resolver(attribute) is attribute
    wrapped = manager.get_field_resolver(own_resolver)
    value = wrapped(None, "info")
    assert value == 42 and not isinstance(value, Promise)
    assert seen == ["info"]
    assert manager.get_field_resolver(own_resolver) is wrapped  # built once, kept


def test_a_nested_batch_field_runs_without_saleors_field_middlewares():
    # Product.reviewSummary only hands out its item of the page's one batch read: no span, no
    # JWT or app middleware around each of 100 products (the request's root field ran them)
    seen, recording = _recording_middleware()
    manager = FieldMiddleware(recording)
    field = saleor_types_product_field("reviewSummary")

    assert manager.get_field_resolver(field.resolver) is field.resolver
    assert manager.get_field_resolver(resolve_review_summary) is resolve_review_summary
    assert seen == []
    # the plugin's other fields on Saleor's types still go through them
    loyalty = saleor_types_user_field("loyalty")
    assert manager.get_field_resolver(loyalty.resolver) is not loyalty.resolver


def saleor_types_product_field(name):
    from saleor_retention.graphql import saleor_types

    return saleor_types.Product._meta.fields[name]


def saleor_types_user_field(name):
    from saleor_retention.graphql import saleor_types

    return saleor_types.User._meta.fields[name]


def test_the_limits_analysis_is_kept_per_text_unless_a_variable_sets_a_page_size(
    driver, counted, monkeypatch
):
    calls = []
    original = limits.analyse

    def counting(*args, **kwargs):
        calls.append(args[2] if len(args) > 2 else kwargs.get("variables"))
        return original(*args, **kwargs)

    monkeypatch.setattr("saleor_retention.graphql.view.analyse", counting)
    for _ in range(3):
        assert _post(driver, "{ shop { name } }")["data"]["shop"]["name"]
    assert len(calls) == 1  # no variable: analysed once for the text

    paged = "query($n: Int) { products(first: $n) { edges { node { name } } } }"
    small = _post(driver, paged, variables={"n": 2})
    assert "errors" not in small and small["data"]["products"]["edges"]
    # the same text with a page size that multiplies past the cost limit is still refused:
    # an analysis a variable entered is made again for every request
    nested = (
        "query($n: Int) { products(first: $n) { edges { node { name "
        "reviews(first: $n) { edges { node { id } } } } } } }"
    )
    assert "errors" not in _post(driver, nested, variables={"n": 2})
    refused = _post(driver, nested, variables={"n": 100})
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", refused
    assert "errors" not in _post(driver, nested, variables={"n": 2})
    assert len(calls) == 1 + 1 + 3


def test_a_token_still_authenticates_and_batched_fields_still_resolve(retention_on):
    driver = retention_on
    driver.account_register("fields@example.com")
    token = driver.token_create("fields@example.com", "customer-password")

    answer = _post(
        driver,
        "{ shop { name } me { email loyalty { points expiringPoints { points } } } "
        "products(first: 5) { edges { node { name reviewSummary { averageRating count } } } } }",
        token=token,
    )

    assert "errors" not in answer, answer
    assert answer["data"]["me"]["email"] == "fields@example.com"
    assert answer["data"]["me"]["loyalty"]["points"] == 0
    summaries = [edge["node"]["reviewSummary"] for edge in answer["data"]["products"]["edges"]]
    assert summaries and all(s == {"averageRating": None, "count": 0} for s in summaries)


def test_only_a_request_selecting_a_plugin_field_runs_with_saleors_writer_allowed(
    driver, monkeypatch
):
    # Saleor 3.x logs (or, in its tests, refuses) writer access outside allow_writer(); the
    # plugin keeps its tables on the writer, so its requests say so, and Saleor's alone do not
    from graphql import parse

    from saleor_retention.graphql import view

    entered = []

    @contextlib.contextmanager
    def recording():
        entered.append(True)
        yield

    monkeypatch.setattr(view.saleor, "writer_allowed", recording)

    def touches(query):
        return limits.analyse(schema, parse(query)).touches_plugin

    assert touches("{ me { loyalty { points } } }")
    assert touches(
        "{ products(first: 1) { edges { node { ...R } } } } fragment R on Product { reviewSummary { count } }"
    )
    assert touches('mutation { reviewVote(reviewId: "x", helpful: true) { errors { code } } }')
    assert not touches("{ shop { name } me { email orders(first: 1) { totalCount } } }")

    _post(driver, "{ shop { name } }")
    assert entered == []
    _post(driver, "{ shop { name retention { pluginActive } } }")
    assert entered == [True]
