from saleor.celeryconf import app


@app.task(name="saleor_retention.insight_rebuild")
def insight_rebuild_task() -> dict[str, int]:
    """Every customer's file, stage, RFM score and top-20% flag, set-based (nightly; see
    ``saleor_retention.beat``)."""
    from ..conf import load_settings
    from .services import files_rebuild

    run = files_rebuild(settings=load_settings())
    return {"files": run.files, "stage_changes": run.stage_changes}
