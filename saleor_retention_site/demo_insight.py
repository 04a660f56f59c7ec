"""The demo's insight chapter: staff open the shopper's file (her stage and spend), rebuild
every file as the nightly job does, save a segment and read its live count, and read the repeat
purchase rate. ``demo.py`` calls ``insight_story(driver, token, say)`` at the end of the story;
everything goes through Saleor's GraphQL except the rebuild, which is the nightly task."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .driver import SaleorDriver

FILE = """query($id: ID!) { user(id: $id) { email customerFile {
  stage stageSince paidOrders churnDays topSpender
  spends { currency paidOrders totalSpent { amount } averageOrder { amount } }
  topCategories { name spent { amount currency } }
  stageHistory { fromStage toStage changedAt }
  rfm { recency frequency monetary group }
} } }"""
SAVE = """mutation($name: String!, $rules: CustomerSegmentRulesInput!) {
  customerSegmentSave(name: $name, rules: $rules) {
    segment { id name count } errors { field code message } } }"""
RATE = "{ retentionAnalytics { repeatPurchaseRate { part whole rate } } }"


def insight_story(driver: SaleorDriver, token: str, say: Callable[[str], Any]) -> None:
    from saleor_retention.conf import load_settings
    from saleor_retention.insight.services import files_rebuild

    staff = driver.staff_token()
    me = driver.query("{ me { id } }", token=token)["me"]["id"]

    say("\n== Staff open her customer file (User.customerFile, MANAGE_USERS only)")
    show_file(driver, me, staff, say)
    mine = driver.query("{ me { customerFile { stage } } }", token=token)["me"]["customerFile"]
    say(f"   she asks for her own file: {mine} (a shopper sees none of her scores)")

    say("\n== The nightly rebuild runs (retention_insight_rebuild / Celery beat)")
    run = files_rebuild(settings=load_settings())
    seconds = (run.finished_at - run.started_at).total_seconds()
    say(f"   {run.files} files, {run.stage_changes} stage changes, {seconds:.2f} s")
    show_file(driver, me, staff, say)

    name = f"Active and repeat customers {int(time.time())}"
    payload = driver.mutate(
        "customerSegmentSave",
        SAVE,
        {"name": name, "rules": {"stages": ["ACTIVE", "REPEAT"]}},
        token=staff,
    )
    segment = payload["segment"]
    say(f"\n== Staff save the segment {segment['name']!r}: {segment['count']} customers now")
    rate = driver.query(RATE, token=staff)["retentionAnalytics"]["repeatPurchaseRate"]
    say(f"   repeat purchase rate: {rate['part']} of {rate['whole']} buyers = {rate['rate']}")


def show_file(driver: SaleorDriver, customer_id: str, staff: str, say: Callable[[str], Any]):
    file = driver.query(FILE, {"id": customer_id}, token=staff)["user"]["customerFile"]
    if file is None:
        say("   (no file yet)")
        return
    say(
        f"   stage {file['stage']} since {file['stageSince'][:10]}, {file['paidOrders']} paid "
        f"orders, churn window {file['churnDays']} days"
    )
    for spend in file["spends"]:
        say(
            f"   spent {spend['totalSpent']['amount']} {spend['currency']} over "
            f"{spend['paidOrders']} orders (average {spend['averageOrder']['amount']})"
        )
    history = ", ".join(f"{c['fromStage'] or '-'} -> {c['toStage']}" for c in file["stageHistory"])
    say(f"   stage history: {history}")
    say(f"   RFM: {file['rfm']}, top 20%: {file['topSpender']}")
