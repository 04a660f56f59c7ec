"""The bench's synthetic history (``bench.insight_data``) is written with COPY straight into
Saleor's tables: on a small size, Saleor's own ORM reads the rows back as valid orders, the
sequences continue after them, and the customer files count exactly what was generated."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum
from saleor.account.models import User
from saleor.order.models import Order, OrderLine

from bench.insight_data import EMAIL_PREFIX, generate
from saleor_retention.conf import load_settings
from saleor_retention.insight import services
from saleor_retention.insight.models import CustomerFile, CustomerSpend


def test_generated_rows_are_orders_saleor_reads_and_the_files_count_them(store, driver):
    # given a small generated history
    generated = generate(driver, store, customers=40, orders=150)

    # then Saleor's ORM reads every customer and order, with the totals generated
    customers = User.objects.filter(email__startswith=EMAIL_PREFIX)
    orders = Order.objects.filter(user__email__startswith=EMAIL_PREFIX)
    assert customers.count() == 40
    assert orders.count() == 150
    assert orders.aggregate(t=Sum("total_gross_amount"))["t"] == generated.revenue
    lines = OrderLine.objects.filter(order__in=orders)
    assert (
        lines.aggregate(t=Sum(F("unit_price_gross_amount") * F("quantity")))["t"]
        == generated.revenue
    )
    for order in orders.prefetch_related("lines", "payments").order_by("pk")[:20]:
        assert order.is_fully_paid()
        assert order.total.gross.amount == sum(
            line.unit_price_gross_amount for line in order.lines.all()
        )
        assert order.get_subtotal().gross.amount == order.total_gross_amount
    # and the sequences were moved past the generated ids: Saleor keeps placing orders
    driver.account_register("after-bench@example.com")
    token = driver.token_create("after-bench@example.com", "customer-password")
    placed = driver.buy(email="after-bench@example.com", token=token)
    assert int(placed["number"]) > generated.first_order_id + 149

    # when the files are rebuilt
    services.files_rebuild(settings=load_settings())

    # then every generated order counts once, at its total
    files = CustomerFile.objects.filter(customer_id__gte=generated.first_customer_id)
    assert files.filter(customer_id__lt=generated.first_customer_id + 40).count() == 40
    bench_files = files.filter(customer_id__lt=generated.first_customer_id + 40)
    assert bench_files.aggregate(n=Sum("paid_orders"))["n"] == 150
    spends = CustomerSpend.objects.filter(
        customer_id__gte=generated.first_customer_id,
        customer_id__lt=generated.first_customer_id + 40,
    )
    assert spends.aggregate(t=Sum("total_spent"))["t"] == generated.revenue
    assert generated.revenue > Decimal("150") * 10
