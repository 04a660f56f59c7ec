"""A small, sellable Saleor store, built idempotently: the demo's seed and the tests' fixtures.

Saleor's own test fixtures are not in its wheel, so these create real Saleor rows with Saleor's
models (no fakes): a product with a stocked variant, a warehouse serving a shipping zone with a
shipping method, and a staff user holding every permission.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction

STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "staff-password"
CUSTOMER_PASSWORD = "customer-password"

SHOP_ADDRESS = {
    "first_name": "Mei",
    "last_name": "Lin",
    "street_address_1": "1600 Amphitheatre Pkwy",
    "city": "MOUNTAIN VIEW",
    "postal_code": "94043",
    "country": "US",
    "country_area": "CA",
    "phone": "+16505550100",
}

# The same address in GraphQL's AddressInput shape, for checkouts.
ADDRESS_INPUT = {
    "firstName": "Mei",
    "lastName": "Lin",
    "streetAddress1": "1600 Amphitheatre Pkwy",
    "city": "Mountain View",
    "postalCode": "94043",
    "country": "US",
    "countryArea": "CA",
    "phone": "+16505550100",
}


@dataclasses.dataclass(frozen=True)
class Store:
    product_id: int
    variant_id: int
    variant_sku: str
    warehouse_id: str
    shipping_method_id: int
    staff_email: str
    staff_password: str
    price: Decimal
    shipping_price: Decimal


@transaction.atomic
def build_store(
    *,
    slug: str = "retention-tea",
    price: Decimal = Decimal("25.00"),
    shipping_price: Decimal = Decimal("5.00"),
    stock: int = 10_000,
) -> Store:
    """Create (or find) the store's rows; calling it again changes nothing."""
    # Saleor 2.10: if creating a variant is the first thing to import saleor.product.tasks, a
    # circular import fails; loading the URL conf (which imports Saleor's schema) first avoids it.
    from django.conf import settings as django_settings
    from django.contrib.sites.models import Site
    from saleor.account.models import Address, User
    from saleor.product.models import Category, Product, ProductType, ProductVariant
    from saleor.shipping.models import ShippingMethod, ShippingZone
    from saleor.site.models import SiteSettings
    from saleor.warehouse.models import Stock, Warehouse

    import saleor_retention.urls  # noqa: F401

    # Saleor creates these in a data migration; a flushed test database (transactional tests)
    # has lost them.
    site, _ = Site.objects.get_or_create(
        pk=django_settings.SITE_ID, defaults={"domain": "localhost:8000", "name": "Saleor"}
    )
    SiteSettings.objects.get_or_create(site_id=site.pk)

    category, _ = Category.objects.get_or_create(slug="tea", defaults={"name": "Tea"})
    product_type, _ = ProductType.objects.get_or_create(
        slug="loose-leaf",
        defaults={"name": "Loose leaf", "has_variants": True, "is_shipping_required": True},
    )
    product, _ = Product.objects.get_or_create(
        slug=slug,
        defaults={
            "name": "Oolong 100 g",
            "product_type": product_type,
            "category": category,
            "price_amount": price,
            "minimal_variant_price_amount": price,
            "currency": "USD",
            "is_published": True,
            "charge_taxes": False,
        },
    )
    variant, _ = ProductVariant.objects.get_or_create(
        sku=f"{slug}-100g",
        defaults={"product": product, "name": "100 g", "currency": "USD", "track_inventory": True},
    )
    zone, _ = ShippingZone.objects.get_or_create(
        name="United States", defaults={"countries": ["US"], "default": False}
    )
    method, _ = ShippingMethod.objects.get_or_create(
        name="Standard",
        shipping_zone=zone,
        defaults={"type": "price", "price_amount": shipping_price, "currency": "USD"},
    )
    warehouse = Warehouse.objects.filter(slug="main-warehouse").first()
    if warehouse is None:
        warehouse = Warehouse.objects.create(
            name="Main warehouse",
            slug="main-warehouse",
            address=Address.objects.create(**SHOP_ADDRESS),
            email="warehouse@example.com",
        )
    warehouse.shipping_zones.add(zone)
    Stock.objects.get_or_create(
        warehouse=warehouse, product_variant=variant, defaults={"quantity": stock}
    )
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User.objects.create_user(STAFF_EMAIL, STAFF_PASSWORD, is_staff=True, is_active=True)
    staff.user_permissions.set(Permission.objects.all())
    return Store(
        product_id=product.pk,
        variant_id=variant.pk,
        variant_sku=variant.sku,
        warehouse_id=str(warehouse.pk),
        shipping_method_id=method.pk,
        staff_email=STAFF_EMAIL,
        staff_password=STAFF_PASSWORD,
        price=price,
        shipping_price=shipping_price,
    )


def create_customer(email: str, password: str = CUSTOMER_PASSWORD):
    from saleor.account.models import User

    return User.objects.create_user(email, password, is_active=True)


def add_product(*, slug: str, category_slug: str, price: Decimal, stock: int = 10_000) -> int:
    """Another product, in its own category, stocked in the store's warehouse; returns its
    variant's id (insight tests buy across categories)."""
    from saleor.product.models import Category, Product, ProductType, ProductVariant
    from saleor.warehouse.models import Stock, Warehouse

    category, _ = Category.objects.get_or_create(
        slug=category_slug, defaults={"name": category_slug.title()}
    )
    product_type = ProductType.objects.get(slug="loose-leaf")
    product, _ = Product.objects.get_or_create(
        slug=slug,
        defaults={
            "name": slug.replace("-", " ").title(),
            "product_type": product_type,
            "category": category,
            "price_amount": price,
            "minimal_variant_price_amount": price,
            "currency": "USD",
            "is_published": True,
            "charge_taxes": False,
        },
    )
    variant, _ = ProductVariant.objects.get_or_create(
        sku=f"{slug}-1", defaults={"product": product, "name": "", "currency": "USD"}
    )
    Stock.objects.get_or_create(
        warehouse=Warehouse.objects.get(slug="main-warehouse"),
        product_variant=variant,
        defaults={"quantity": stock},
    )
    return int(variant.pk)
