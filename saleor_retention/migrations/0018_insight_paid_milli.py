# What the top-20% figure reads at a million customers (docs/insight.md, "Scale"): a year's
# paid orders summed per customer. It read them from the time index and hashed 800k customers,
# with numeric sums: 3.5-7 s. Now:
# - spent_milli, margin_milli: spend and spend minus cost in thousandths as bigints, generated
#   by the database from spent and cost (exact: three places), so every writer of PaidOrder
#   (the order event, the nightly run, erasure) keeps them without knowing them; margin_milli
#   is null where the order has no cost price;
# - insight_paid_by_customer: (customer_id, created) carrying currency and both, so the figure
#   reads them in customer order from the index alone and groups without a hash table; it
#   replaces the plain (customer, created) index, which served one customer's rows the same way;
# - insight_sum_bigint(bigint): a sum whose running total is a plain bigint (sum(bigint) keeps
#   a 128-bit state allocated per group; overflow raises, as for any bigint).
# Adding a generated column rewrites the table (about half a minute at 5M rows, writes to it
# wait meanwhile); the index is built concurrently.

from django.db import migrations

TABLE = "saleor_retention_paidorder"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("saleor_retention", "0017_segment_nightly_counts"),
    ]

    operations = [
        migrations.RunSQL(
            f"""ALTER TABLE {TABLE}
                ADD COLUMN spent_milli bigint
                    GENERATED ALWAYS AS ((spent * 1000)::bigint) STORED,
                ADD COLUMN margin_milli bigint
                    GENERATED ALWAYS AS (((spent - cost) * 1000)::bigint) STORED""",
            f"ALTER TABLE {TABLE} DROP COLUMN spent_milli, DROP COLUMN margin_milli",
        ),
        migrations.RunSQL(
            "CREATE AGGREGATE insight_sum_bigint(bigint) (sfunc = int8pl, stype = bigint)",
            "DROP AGGREGATE insight_sum_bigint(bigint)",
        ),
        migrations.RunSQL(
            f"""CREATE INDEX CONCURRENTLY IF NOT EXISTS insight_paid_by_customer
                ON {TABLE} (customer_id, created)
                INCLUDE (currency, spent_milli, margin_milli)""",
            "DROP INDEX CONCURRENTLY IF EXISTS insight_paid_by_customer",
        ),
        migrations.RemoveIndex(model_name="paidorder", name="insight_paid_customer"),
    ]
