"""The loss-curves section: how training went, epoch by epoch."""

from __future__ import annotations

from aekit.report.page import Section, escape, figure
from aekit.report.registry import ReportContext, section


@section(order=30)
def loss_curves(ctx: ReportContext) -> Section:
    """Training and validation loss per epoch (and each loss term), from ``history.csv``.

    Every run gets it; without a readable history it says why there are no curves.
    """
    from aekit.report import figures

    history, note, fig_dir = ctx.history, ctx.history_note, ctx.fig_dir
    sec = Section("losses", "Loss curves")
    if not history:
        sec.body.append(f"<p class=note>{escape(note or 'no history')}</p>")
        return sec
    png = figures.loss_curves(history, fig_dir / "loss_curves.png")
    terms = figures.loss_terms(history)
    caption = "Training (solid) and validation (dashed) loss per epoch"
    label = getattr(ctx.loaded.model, "loss_label", None)
    if label:
        caption += f" — the loss is {label}"
    if terms:
        caption += f"; right: the individual terms ({', '.join(terms)})"
    caption += ". A panel switches to a log scale when its values span more than a decade."
    sec.body.append(figure(png, caption, "loss curves"))
    return sec
