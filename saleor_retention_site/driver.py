"""Drives a real Saleor store through its GraphQL endpoint, as a storefront and the dashboard do.

Used by the tests and by ``make demo``. Every call is an HTTP request through Django's full stack
(URL conf, middleware, Saleor's GraphQL view and mutations); nothing is called behind Saleor's back.
A failing mutation raises ``SaleorFlowError`` with Saleor's own error list, unless the caller asks
for the raw response with ``expect_errors=True``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

from django.test import Client
from graphql_relay import from_global_id, to_global_id

from .store import ADDRESS_INPUT, CUSTOMER_PASSWORD, Store


class SaleorFlowError(AssertionError):
    pass


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, pk)


def nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The nodes of a Relay connection's edges, in order (none for a null connection)."""
    return [edge["node"] for edge in (connection or {}).get("edges", [])]


def pk_of(global_id: str) -> str:
    return from_global_id(global_id)[1]


class SaleorDriver:
    """``commit_scope`` wraps each request; the tests pass one that runs ``on_commit`` callbacks
    (their database transaction never commits), the demo runs against a real commit."""

    def __init__(
        self,
        store: Store,
        *,
        client: Client | None = None,
        commit_scope: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.store = store
        self.client = client or Client()
        self.commit_scope = commit_scope
        self._staff_token: str | None = None

    # --- transport ---------------------------------------------------------------------------

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        app_token: str | None = None,
    ) -> dict[str, Any]:
        """POST one GraphQL document as a user (``token``, a JWT) or an app (``app_token``, sent
        as Saleor's ``Bearer`` header); return the whole response body (``data`` and
        ``errors``)."""
        headers = {}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"JWT {token}"
        elif app_token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {app_token}"
        body = json.dumps({"query": query, "variables": variables or {}})

        def post():
            return self.client.post("/graphql/", body, content_type="application/json", **headers)

        if self.commit_scope is None:
            response = post()
        else:
            with self.commit_scope():
                response = post()
        if response.status_code != 200:
            raise SaleorFlowError(f"HTTP {response.status_code}: {response.content[:500]!r}")
        return response.json()

    def query(
        self, query: str, variables=None, *, token: str | None = None, app_token: str | None = None
    ) -> dict[str, Any]:
        body = self.execute(query, variables, token=token, app_token=app_token)
        if body.get("errors"):
            raise SaleorFlowError(json.dumps(body["errors"], indent=1))
        return body["data"]

    def mutate(
        self,
        name: str,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        """Run a mutation and return its payload (``data[name]``)."""
        body = self.execute(document, variables, token=token)
        if body.get("errors"):
            raise SaleorFlowError(f"{name}: {json.dumps(body['errors'], indent=1)}")
        payload = body["data"][name]
        if not expect_errors and payload.get("errors"):
            raise SaleorFlowError(f"{name}: {json.dumps(payload['errors'], indent=1)}")
        return payload

    # --- accounts ----------------------------------------------------------------------------

    def staff_token(self) -> str:
        if self._staff_token is None:
            self._staff_token = self.token_create(self.store.staff_email, self.store.staff_password)
        return self._staff_token

    def token_create(self, email: str, password: str) -> str:
        payload = self.mutate(
            "tokenCreate",
            """mutation($email: String!, $password: String!) {
                tokenCreate(email: $email, password: $password) { token errors { field message } }
            }""",
            {"email": email, "password": password},
        )
        return payload["token"]

    def account_register(self, email: str, password: str = CUSTOMER_PASSWORD) -> str:
        """Register as a shopper; returns the new user's id (a Saleor global id)."""
        self.mutate(
            "accountRegister",
            """mutation($input: AccountRegisterInput!) {
                accountRegister(input: $input) { user { id } errors { field message } }
            }""",
            {"input": {"email": email, "password": password}},
        )
        data = self.query("{ me { id } }", token=self.token_create(email, password))
        return data["me"]["id"]

    def customer_create(self, email: str, **fields: Any) -> str:
        payload = self.mutate(
            "customerCreate",
            """mutation($input: UserCreateInput!) {
                customerCreate(input: $input) { user { id } errors { field message } }
            }""",
            {"input": {"email": email, **fields}},
            token=self.staff_token(),
        )
        return payload["user"]["id"]

    # --- checkout ----------------------------------------------------------------------------

    def checkout_create(
        self,
        *,
        email: str,
        quantity: int = 1,
        token: str | None = None,
        variant_id: int | None = None,
    ) -> dict[str, Any]:
        payload = self.mutate(
            "checkoutCreate",
            """mutation($input: CheckoutCreateInput!) {
                checkoutCreate(input: $input) {
                    checkout { id token totalPrice { gross { amount currency } } }
                    errors { field message }
                }
            }""",
            {
                "input": {
                    "email": email,
                    "lines": [
                        {
                            "quantity": quantity,
                            "variantId": gid("ProductVariant", variant_id or self.store.variant_id),
                        }
                    ],
                    "shippingAddress": ADDRESS_INPUT,
                    "billingAddress": ADDRESS_INPUT,
                }
            },
            token=token,
        )
        return payload["checkout"]

    def checkout_shipping_method_update(
        self, checkout_id: str, *, token: str | None = None
    ) -> dict[str, Any]:
        payload = self.mutate(
            "checkoutShippingMethodUpdate",
            """mutation($checkoutId: ID, $methodId: ID!) {
                checkoutShippingMethodUpdate(checkoutId: $checkoutId, shippingMethodId: $methodId) {
                    checkout { id totalPrice { gross { amount currency } } }
                    errors { field message }
                }
            }""",
            {
                "checkoutId": checkout_id,
                "methodId": gid("ShippingMethod", self.store.shipping_method_id),
            },
            token=token,
        )
        return payload["checkout"]

    def checkout_payment_create(
        self,
        checkout_id: str,
        amount: Decimal | str,
        *,
        payment_token: str = "charged",
        token: str | None = None,
    ) -> None:
        """Pay with Saleor's dummy gateway; ``payment_token`` picks its behaviour:
        ``charged`` captures at once, ``not-charged`` only authorises."""
        self.mutate(
            "checkoutPaymentCreate",
            """mutation($checkoutId: ID!, $input: PaymentInput!) {
                checkoutPaymentCreate(checkoutId: $checkoutId, input: $input) {
                    payment { id } errors { field message }
                }
            }""",
            {
                "checkoutId": checkout_id,
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": payment_token,
                    "amount": str(amount),
                },
            },
            token=token,
        )

    def checkout_complete(self, checkout_id: str, *, token: str | None = None) -> dict[str, Any]:
        payload = self.mutate(
            "checkoutComplete",
            """mutation($checkoutId: ID!) {
                checkoutComplete(checkoutId: $checkoutId) {
                    order { id number status paymentStatus total { gross { amount currency } } }
                    errors { field message }
                }
            }""",
            {"checkoutId": checkout_id},
            token=token,
        )
        return payload["order"]

    def checkout_add_promo_code(
        self, checkout_id: str, code: str, *, token: str | None = None, expect_errors: bool = False
    ) -> dict[str, Any]:
        return self.mutate(
            "checkoutAddPromoCode",
            """mutation($checkoutId: ID!, $code: String!) {
                checkoutAddPromoCode(checkoutId: $checkoutId, promoCode: $code) {
                    checkout { id totalPrice { gross { amount } } }
                    errors { field message }
                }
            }""",
            {"checkoutId": checkout_id, "code": code},
            token=token,
            expect_errors=expect_errors,
        )

    def checkout_remove_promo_code(
        self, checkout_id: str, code: str, *, token: str | None = None
    ) -> dict[str, Any]:
        return self.mutate(
            "checkoutRemovePromoCode",
            """mutation($checkoutId: ID!, $code: String!) {
                checkoutRemovePromoCode(checkoutId: $checkoutId, promoCode: $code) {
                    checkout { id totalPrice { gross { amount } } }
                    errors { field message }
                }
            }""",
            {"checkoutId": checkout_id, "code": code},
            token=token,
        )["checkout"]

    def checkout_lines_update(
        self, checkout_id: str, quantity: int, *, token: str | None = None
    ) -> dict[str, Any]:
        """Set the store's one variant to ``quantity`` (0 deletes the line)."""
        return self.mutate(
            "checkoutLinesUpdate",
            """mutation($checkoutId: ID!, $lines: [CheckoutLineInput]!) {
                checkoutLinesUpdate(checkoutId: $checkoutId, lines: $lines) {
                    checkout { id subtotalPrice { gross { amount } } totalPrice { gross { amount } } }
                    errors { field message }
                }
            }""",
            {
                "checkoutId": checkout_id,
                "lines": [
                    {
                        "quantity": quantity,
                        "variantId": gid("ProductVariant", self.store.variant_id),
                    }
                ],
            },
            token=token,
        )["checkout"]

    def checkout_line_delete(
        self, checkout_id: str, line_id: str, *, token: str | None = None
    ) -> dict[str, Any]:
        return self.mutate(
            "checkoutLineDelete",
            """mutation($checkoutId: ID!, $lineId: ID) {
                checkoutLineDelete(checkoutId: $checkoutId, lineId: $lineId) {
                    checkout { id totalPrice { gross { amount } } }
                    errors { field message }
                }
            }""",
            {"checkoutId": checkout_id, "lineId": line_id},
            token=token,
        )["checkout"]

    def buy(
        self,
        *,
        email: str,
        quantity: int = 1,
        payment_token: str = "charged",
        token: str | None = None,
        before_payment: Callable[[dict[str, Any]], None] | None = None,
        variant_id: int | None = None,
    ) -> dict[str, Any]:
        """A whole storefront checkout: create, ship, pay with the dummy gateway, complete."""
        checkout = self.checkout_create(
            email=email, quantity=quantity, token=token, variant_id=variant_id
        )
        if before_payment:
            before_payment(checkout)
        checkout = self.checkout_shipping_method_update(checkout["id"], token=token)
        amount = checkout["totalPrice"]["gross"]["amount"]
        self.checkout_payment_create(
            checkout["id"], amount, payment_token=payment_token, token=token
        )
        return self.checkout_complete(checkout["id"], token=token)

    # --- staff: orders -----------------------------------------------------------------------

    def draft_order_create(
        self, *, customer_id: str | None = None, email: str | None = None, quantity: int = 1
    ) -> str:
        payload = self.mutate(
            "draftOrderCreate",
            """mutation($input: DraftOrderCreateInput!) {
                draftOrderCreate(input: $input) { order { id } errors { field message } }
            }""",
            {
                "input": {
                    "user": customer_id,
                    "userEmail": email,
                    "lines": [
                        {
                            "quantity": quantity,
                            "variantId": gid("ProductVariant", self.store.variant_id),
                        }
                    ],
                    "shippingAddress": ADDRESS_INPUT,
                    "billingAddress": ADDRESS_INPUT,
                    "shippingMethod": gid("ShippingMethod", self.store.shipping_method_id),
                }
            },
            token=self.staff_token(),
        )
        return payload["order"]["id"]

    def draft_order_complete(self, order_id: str) -> dict[str, Any]:
        return self._order_mutation(
            "draftOrderComplete",
            "mutation($id: ID!) { draftOrderComplete(id: $id) { %s } }",
            {"id": order_id},
        )

    def order_mark_as_paid(self, order_id: str) -> dict[str, Any]:
        return self._order_mutation(
            "orderMarkAsPaid",
            "mutation($id: ID!) { orderMarkAsPaid(id: $id) { %s } }",
            {"id": order_id},
        )

    def order_capture(self, order_id: str, amount: Decimal | str) -> dict[str, Any]:
        return self._order_mutation(
            "orderCapture",
            "mutation($id: ID!, $amount: Decimal!) { orderCapture(id: $id, amount: $amount) { %s } }",
            {"id": order_id, "amount": str(amount)},
        )

    def order_refund(
        self, order_id: str, amount: Decimal | str, *, expect_errors: bool = False
    ) -> dict[str, Any]:
        return self._order_mutation(
            "orderRefund",
            "mutation($id: ID!, $amount: Decimal!) { orderRefund(id: $id, amount: $amount) { %s } }",
            {"id": order_id, "amount": str(amount)},
            expect_errors=expect_errors,
        )

    def order_cancel(self, order_id: str) -> dict[str, Any]:
        return self._order_mutation(
            "orderCancel", "mutation($id: ID!) { orderCancel(id: $id) { %s } }", {"id": order_id}
        )

    def order_fulfill(self, order_id: str) -> dict[str, Any]:
        """Ship every unfulfilled line from the store's warehouse, in one parcel."""
        data = self.query(
            "query($id: ID!) { order(id: $id) { lines { id quantity quantityFulfilled } } }",
            {"id": order_id},
            token=self.staff_token(),
        )
        lines = [
            {
                "orderLineId": line["id"],
                "stocks": [
                    {
                        "quantity": line["quantity"] - line["quantityFulfilled"],
                        "warehouse": gid("Warehouse", self.store.warehouse_id),
                    }
                ],
            }
            for line in data["order"]["lines"]
            if line["quantity"] > line["quantityFulfilled"]
        ]
        payload = self.mutate(
            "orderFulfill",
            """mutation($order: ID, $input: OrderFulfillInput!) {
                orderFulfill(order: $order, input: $input) {
                    fulfillments { id status } order { id status } errors { field message }
                }
            }""",
            {"order": order_id, "input": {"lines": lines, "notifyCustomer": False}},
            token=self.staff_token(),
        )
        return payload

    def order_fulfillment_cancel(self, fulfillment_id: str) -> dict[str, Any]:
        return self.mutate(
            "orderFulfillmentCancel",
            """mutation($id: ID!, $input: FulfillmentCancelInput!) {
                orderFulfillmentCancel(id: $id, input: $input) {
                    fulfillment { id status } order { id status } errors { field message }
                }
            }""",
            {
                "id": fulfillment_id,
                "input": {"warehouseId": gid("Warehouse", self.store.warehouse_id)},
            },
            token=self.staff_token(),
        )

    def _order_mutation(
        self, name: str, template: str, variables: dict[str, Any], expect_errors: bool = False
    ) -> dict[str, Any]:
        fields = "order { id status paymentStatus isPaid total { gross { amount } } } errors { field message }"
        return self.mutate(
            name,
            template % fields,
            variables,
            token=self.staff_token(),
            expect_errors=expect_errors,
        )

    # --- staff: plugin -----------------------------------------------------------------------

    def plugin_update(
        self, *, active: bool | None = None, expect_errors: bool = False, **settings: Any
    ) -> dict[str, Any]:
        """Save the retention plugin's settings through Saleor's own ``pluginUpdate``."""
        data: dict[str, Any] = {}
        if active is not None:
            data["active"] = active
        if settings:
            data["configuration"] = [{"name": k, "value": str(v)} for k, v in settings.items()]
        return self.mutate(
            "pluginUpdate",
            """mutation($id: ID!, $input: PluginUpdateInput!) {
                pluginUpdate(id: $id, input: $input) {
                    plugin { id active }
                    errors { field message }
                    pluginsErrors { field message code }
                }
            }""",
            {"id": "saleor.retention", "input": data},
            token=self.staff_token(),
            expect_errors=expect_errors,
        )

    # --- retention: points at checkout --------------------------------------------------------

    def loyalty_points_apply(
        self, checkout_token: str, points: int, *, token: str | None, expect_errors: bool = False
    ) -> dict[str, Any]:
        return self.mutate(
            "loyaltyPointsApply",
            """mutation($id: ID!, $points: Int!) {
                loyaltyPointsApply(checkoutId: $id, points: $points) {
                    checkout { id totalPrice { gross { amount } } loyalty { appliedPoints
                        appliedDiscount { amount currency } redeemablePoints pointsToEarn } }
                    errors { field code message }
                }
            }""",
            {"id": gid("Checkout", checkout_token), "points": points},
            token=token,
            expect_errors=expect_errors,
        )

    def loyalty_points_remove(
        self, checkout_token: str, *, token: str | None, expect_errors: bool = False
    ) -> dict[str, Any]:
        return self.mutate(
            "loyaltyPointsRemove",
            """mutation($id: ID!) {
                loyaltyPointsRemove(checkoutId: $id) {
                    checkout { id totalPrice { gross { amount } } loyalty { appliedPoints } }
                    errors { field code message }
                }
            }""",
            {"id": gid("Checkout", checkout_token)},
            token=token,
            expect_errors=expect_errors,
        )

    # --- multipart uploads (reviews' photos) --------------------------------------------------

    def execute_multipart(
        self,
        query: str,
        variables: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]],
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """POST one GraphQL document as multipart/form-data, the convention Saleor's view reads
        (graphql-multipart-request-spec): ``operations`` (the query with the file variables set
        to null), ``map`` (part name -> variable paths) and one part per file.

        ``files`` maps a variable path such as ``"variables.input.photos.0"`` to
        ``(file name, content, content type)``.
        """
        from django.core.files.uploadedfile import SimpleUploadedFile

        headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
        parts: dict[str, Any] = {}
        file_map: dict[str, list[str]] = {}
        for index, (path, (name, content, content_type)) in enumerate(files.items()):
            part = str(index)
            file_map[part] = [path]
            parts[part] = SimpleUploadedFile(name, content, content_type=content_type)
        data = {
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps(file_map),
            **parts,
        }

        def post():
            return self.client.post("/graphql/", data, **headers)  # multipart by default

        if self.commit_scope is None:
            response = post()
        else:
            with self.commit_scope():
                response = post()
        if response.status_code != 200:
            raise SaleorFlowError(f"HTTP {response.status_code}: {response.content[:500]!r}")
        return response.json()
