from saleor.celeryconf import app

from . import aggregates


@app.task(name="saleor_retention.reviews_rebuild")
def reviews_rebuild_task(check_only: bool = False) -> list[dict[str, object]]:
    """Count every product's published reviews against the stored ratings; rewrite the ones
    that drifted, or with ``check_only`` only report them (``manage.py
    retention_reviews_rebuild [--check]``)."""
    found = aggregates.drift() if check_only else aggregates.rebuild()
    return [
        {"product_id": item.product_id, "stored": item.stored, "counted": item.counted}
        for item in found
    ]
