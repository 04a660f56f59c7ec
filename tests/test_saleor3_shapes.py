"""What Saleor 3.x hands the plugin's resolvers differently, checked on the 2.10 line with the
same Django objects 3.x uses (found by running the merged plugin inside Saleor 3.21.69)."""

from django.utils.functional import SimpleLazyObject
from graphql_relay import to_global_id

from saleor_retention.graphql.core import access, pagination
from saleor_retention.graphql.reviews.types import ReviewType
from saleor_retention.reviews.models import Review


def test_an_anonymous_caller_wrapped_lazily_is_not_signed_in():
    # Saleor 3.x sets ``request.user`` to a lazy object around None for anonymous callers
    assert access.signed_in(SimpleLazyObject(lambda: None)) is False
    assert access.signed_in(None) is False


def test_order_line_ids_follow_the_running_saleor():
    # 2.10 keys order lines by integers: a UUID line id names no line here, a number does
    uuid_line = to_global_id("OrderLine", "0b9e0a42-7d0c-4bd5-9f43-3c1f0e5d2a11")
    assert access.pk_from_global_id(uuid_line, "OrderLine") is None
    assert access.pk_from_global_id(to_global_id("OrderLine", "42"), "OrderLine") == "42"
    assert access.pk_from_global_id(to_global_id("Product", "42"), "OrderLine") is None


def test_a_page_carries_the_total_count_both_lines_read(db):
    # 2.10's connection counts ``iterable``; 3.x calls ``total_count``
    connection = pagination.connection_type(ReviewType)
    page = pagination.paginate(Review.objects.order_by("pk"), connection, first=10)
    assert page.total_count() == Review.objects.count() == page.iterable.count()
    assert pagination.empty(connection).total_count == 0


def test_a_checkout_info_s_connection_is_the_one_its_gift_cards_are_read_on(retention_on):
    # Saleor 3 computes a read query's checkout on the replica and names it in
    # ``CheckoutInfo.database_connection_name``; the plugin's read follows it (a read on the
    # writer there is refused by Saleor's restrict-writer guard)
    from types import SimpleNamespace

    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from saleor.checkout.models import Checkout

    from saleor_retention import saleor_adapter

    token = retention_on.checkout_create(email="t@example.com")["token"]
    checkout = Checkout.objects.get(token=token)
    # given a second alias on the same database, named as Saleor 3.x names its replica
    connections.databases["replica"] = {**connections.databases["default"]}
    try:
        info = SimpleNamespace(checkout=checkout, database_connection_name="replica")

        # when the plugin reads the codes of the checkout Saleor computes on the replica
        with (
            CaptureQueriesContext(connections["replica"]) as replica,
            CaptureQueriesContext(connections["default"]) as writer,
        ):
            saleor_adapter.checkout_gift_card_codes(info)

        # then the read ran there, and nothing on the writer
        assert len(replica.captured_queries) == 1
        assert writer.captured_queries == []
    finally:
        connections["replica"].close()
        del connections.databases["replica"]
