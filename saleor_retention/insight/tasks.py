from saleor.celeryconf import app


@app.task(name="saleor_retention.insight_rebuild")
def insight_rebuild_task() -> dict[str, int]:
    """Every customer's file, stage, RFM score and top-20% flag, set-based (nightly; see
    ``saleor_retention.beat``)."""
    from .. import saleor_adapter
    from ..conf import load_settings
    from .services import files_rebuild

    if (
        not saleor_adapter.insight_supported()
    ):  # Saleor 3.x: the paid rule is not written in SQL yet
        return {"files": 0, "stage_changes": 0}
    run = files_rebuild(settings=load_settings())
    return {"files": run.files, "stage_changes": run.stage_changes}
