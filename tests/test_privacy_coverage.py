"""Privacy by construction (issue 9): every model field of the plugin that may refer to a
customer is covered by an eraser and by an exporter, or declared not personal with a reason. The
fields are found by introspecting the models (``privacy.customer_reference_fields``); the domains
declare their coverage in their ``privacy`` modules."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.test.utils import isolate_apps

from saleor_retention import privacy


def retention_models():
    return list(apps.get_app_config("saleor_retention").get_models())


def test_every_field_referring_to_a_customer_is_erased_and_exported():
    # when every model of the app is introspected
    gaps = privacy.coverage_gaps(retention_models())

    # then no customer-referring field lacks an eraser or an exporter
    assert gaps == [], "customer data without erasure or export:\n" + "\n".join(map(str, gaps))


def test_the_introspection_finds_links_names_files_tokens_and_json():
    found = privacy.customer_reference_fields(retention_models())

    # a relation to the user or to her loyalty account, a name saying so, a file, a JSON field
    assert {
        "CustomerBirthday.customer",
        "ForumPost.author",
        "LedgerEntry.account",
        "Referral.referee",
        "LoyaltyCard.customer",
        "CardDecision.customer",
        "Review.author_name",
        "LoyaltyCard.pdf_path",
        "ReviewPhoto.thumbnail_path",
        "Referral.checkout_token",
        "PluginEvent.payload",
        "LoyaltyCampaign.audience",
        "LedgerEntry.staff_user_id",
        "PluginEvent.object_id",  # declared by the inbox: a customer event names her there
    } <= found
    # and leaves out plain business fields and flags
    assert not {"LoyaltyCard.code", "LedgerEntry.points", "ForumPost.author_is_staff"} & found


@isolate_apps("saleor_retention")
def test_a_new_customer_field_without_coverage_fails_and_names_the_field():
    # given a model someone adds with three kinds of customer data and one plain field
    class Wishlist(models.Model):
        owner = models.ForeignKey(get_user_model(), on_delete=models.CASCADE, related_name="+")
        contact_email = models.CharField(max_length=254)
        items = models.JSONField(default=list)
        size = models.IntegerField(default=0)

        class Meta:
            app_label = "saleor_retention"

        def __str__(self) -> str:
            return f"wishlist {self.pk}"

    # when coverage is checked
    gaps = [str(gap) for gap in privacy.coverage_gaps([*retention_models(), Wishlist])]

    # then each personal field is named, once for erasure and once for export
    assert gaps == [
        "Wishlist.contact_email: no eraser covers it (declare it in an @eraser(fields=...))",
        "Wishlist.contact_email: no exporter covers it (declare it in an @exporter(fields=...))",
        "Wishlist.items: no eraser covers it (declare it in an @eraser(fields=...))",
        "Wishlist.items: no exporter covers it (declare it in an @exporter(fields=...))",
        "Wishlist.owner: no eraser covers it (declare it in an @eraser(fields=...))",
        "Wishlist.owner: no exporter covers it (declare it in an @exporter(fields=...))",
    ]


def test_a_field_erased_but_not_exported_or_declared_but_gone_fails(monkeypatch):
    # given an eraser that declares a field no exporter shows, and a declaration of a field
    # that no longer exists (renamed)
    monkeypatch.setitem(privacy._ERASED, "LedgerEntry.order_id", "tests")
    monkeypatch.setitem(privacy._EXPORTED, "LoyaltyCard.owner_name", "tests")

    # when coverage is checked, then both are named
    gaps = [str(gap) for gap in privacy.coverage_gaps(retention_models())]
    assert gaps == [
        "LedgerEntry.order_id: no exporter covers it (declare it in an @exporter(fields=...))",
        "LoyaltyCard.owner_name: declared in a privacy module but no such model field",
    ]


def test_every_eraser_has_its_place_in_the_order_and_the_ledger_follows_its_siblings():
    # given every domain's privacy module loaded
    privacy._load()
    order = list(privacy.ERASURE_ORDER)

    # then each registered eraser's domain is placed, and the siblings that find their rows
    # through her loyalty account run before the ledger unlinks it
    assert set(privacy._ERASERS) <= set(order)
    assert {"bonuses", "referrals", "tiers", "ledger"} <= set(privacy._ERASERS)
    assert max(order.index(d) for d in ("bonuses", "referrals", "tiers")) < order.index("ledger")


def test_an_eraser_of_a_domain_without_a_place_is_refused():
    # when a domain nobody placed in the order registers an eraser, then it is refused by name
    def erase_wishlist(customer_id):
        return {}

    erase_wishlist.__module__ = "saleor_retention.wishlist.privacy"
    try:
        privacy.eraser(fields=[])(erase_wishlist)
    except ValueError as exc:
        assert "wishlist" in str(exc)
    else:
        raise AssertionError("an unplaced eraser was registered")
