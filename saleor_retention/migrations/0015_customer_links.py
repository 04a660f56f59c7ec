"""One way to refer to a Saleor customer: reviews, votes, reports, review requests, card
decisions and cards kept her id as a string; they now link to the user like the ledger and the
forum. Each string column is renamed aside, the link added under the old column name
(``customer_id``), the ids copied (an id that is empty, not a number, or names an account that
no longer exists becomes NULL), and the string column dropped. Backwards copies the links back
to strings ("" where the column had no NULL)."""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

# model -> (on_delete of the link, what the string column held for "nobody")
LINKS = {
    "review": (django.db.models.deletion.SET_NULL, None),
    "reviewvote": (django.db.models.deletion.CASCADE, ""),
    "reviewreport": (django.db.models.deletion.CASCADE, ""),
    "reviewrequest": (django.db.models.deletion.SET_NULL, None),
    "carddecision": (django.db.models.deletion.SET_NULL, ""),
    "loyaltycard": (django.db.models.deletion.SET_NULL, ""),
}


def strings_to_links(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    users = apps.get_model(app_label, model_name)
    for name in LINKS:
        model = apps.get_model("saleor_retention", name)
        legacy = model.objects.exclude(legacy_customer_id__isnull=True).exclude(legacy_customer_id="")
        raw_ids = set(legacy.values_list("legacy_customer_id", flat=True).distinct())
        numbers = {raw for raw in raw_ids if raw.isascii() and raw.isdigit() and len(raw) <= 18}
        existing = {
            str(pk) for pk in users.objects.filter(pk__in=[int(n) for n in numbers]).values_list(
                "pk", flat=True
            )
        }
        for raw in numbers:
            key = str(int(raw))  # "007" names user 7
            if key in existing:
                model.objects.filter(legacy_customer_id=raw).update(customer_id=int(key))


def links_to_strings(apps, schema_editor):
    for name, (_, nobody) in LINKS.items():
        model = apps.get_model("saleor_retention", name)
        for pk in set(
            model.objects.exclude(customer_id=None).values_list("customer_id", flat=True)
        ):
            model.objects.filter(customer_id=pk).update(legacy_customer_id=str(pk))
        if nobody is not None:
            model.objects.filter(customer_id=None).update(legacy_customer_id=nobody)


def _link(on_delete):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=on_delete,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("saleor_retention", "0014_audit_events"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="review", name="reviews_one_unverified_per_customer_product"
        ),
        migrations.RemoveIndex(model_name="review", name="saleor_rete_custome_a264f4_idx"),
        migrations.RemoveConstraint(model_name="reviewvote", name="reviews_vote_once"),
        migrations.RemoveIndex(model_name="reviewvote", name="saleor_rete_custome_c13893_idx"),
        migrations.RemoveConstraint(model_name="reviewreport", name="reviews_report_once"),
        migrations.RemoveIndex(model_name="reviewreport", name="saleor_rete_custome_58caf0_idx"),
        # the string columns step aside (nullable, so the backwards copy can fill them)
        *[
            operation
            for name in LINKS
            for operation in (
                migrations.RenameField(name, "customer_id", "legacy_customer_id"),
                migrations.AlterField(
                    name,
                    "legacy_customer_id",
                    models.CharField(blank=True, max_length=64, null=True),
                ),
                migrations.AddField(name, "customer", _link(LINKS[name][0])),
            )
        ],
        migrations.RunPython(strings_to_links, links_to_strings),
        *[migrations.RemoveField(name, "legacy_customer_id") for name in LINKS],
        # votes and reports always had a customer: no blank in forms
        *[
            migrations.AlterField(
                name,
                "customer",
                models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            )
            for name in ("reviewvote", "reviewreport")
        ],
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", "unverified"), ("customer__isnull", False)),
                fields=("customer", "product_id"),
                name="reviews_one_unverified_per_customer_product",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewvote",
            constraint=models.UniqueConstraint(
                fields=("review", "customer"), name="reviews_vote_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewreport",
            constraint=models.UniqueConstraint(
                fields=("review", "customer"), name="reviews_report_once"
            ),
        ),
    ]
