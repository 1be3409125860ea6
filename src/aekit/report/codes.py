"""Sections about the codes: a 2-D map of the test codes, and the decoder over a plane.

The map draws the codes of test samples coloured by class (the codes themselves when
they have two numbers, else a PCA projection); for 2-number codes of image data the
plane decodes a grid of codes, showing what each region of the code space means.
"""

from __future__ import annotations

import numpy as np

from aekit.capabilities import Capability
from aekit.report.page import Section, figure
from aekit.report.registry import DataSamples, ReportContext, section

N_MAP = 2000  # test samples in the latent map
PLANE = 15  # latent-plane grid size (PLANE × PLANE decoded images)


def _test_codes(ctx: ReportContext, data: DataSamples) -> np.ndarray:
    """(n, d) float64 codes of the first N_MAP test samples, computed once per report."""
    from aekit.tasks.infer import encode

    n = min(N_MAP, data.x.shape[0])
    return ctx.memo("test_codes",
                    lambda: encode(ctx.loaded.model, data.x[:n]).astype(np.float64))


@section(order=50, requires={Capability.EMBED}, when=lambda ctx: not ctx.restores)
def latent_map(ctx: ReportContext) -> Section:
    """The test codes in 2-D, coloured by class: do the classes separate in code space?"""
    from aekit.report import figures

    sec, data = ctx.data_section("latent", "Latent map")
    if data is None:
        return sec
    codes = _test_codes(ctx, data)
    n, d = codes.shape
    labels = None if data.y is None else np.asarray(data.y[:n]).astype(np.int64)
    coloured = ("coloured by class" if labels is not None else
                "(the data have no labels, so one colour)")
    if d == 2:
        points, how = codes, "the two code numbers themselves"
        xlabel, ylabel = "z₁", "z₂"
    elif d > 2 and n >= 2:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=0)
        points = pca.fit_transform(codes)
        share = float(np.nansum(pca.explained_variance_ratio_)) * 100
        how = (f"a PCA projection of the {d}-number codes to 2-D (the two components "
               f"explain {share:.0f}% of the codes' variance)")
        xlabel, ylabel = "PC 1", "PC 2"
    else:
        sec.body.append(f"<p class=note>The code has {d} number(s) for {n} sample(s); there "
                        f"is no 2-D map to draw.</p>")
        return sec
    png = figures.latent_map(points, labels, data.classes, ctx.fig_dir / "latent_map.png",
                             xlabel, ylabel)
    caption = (f"Codes of the first {n} test samples, {coloured}; axes: {how}.")
    sec.body.append(figure(png, caption, "latent map"))
    return sec


@section(order=60, requires={Capability.EMBED}, excludes={Capability.CONDITION},
         when=lambda ctx: ctx.image and not ctx.restores)
def latent_plane(ctx: ReportContext) -> Section | None:
    """For 2-number codes: the decoder's images over a grid spanning the test codes.

    Left out for codes of other sizes (no plane to span) and for conditional models,
    whose decoder also needs a class label.
    """
    from aekit.report.figures import latent_plane as draw_plane
    from aekit.tasks.infer import decode

    data = ctx.test_data()
    if isinstance(data, str):
        return None
    codes = _test_codes(ctx, data)
    if codes.shape[1] != 2:
        return None
    loaded = ctx.loaded
    lo = np.percentile(codes, 1, axis=0)
    hi = np.percentile(codes, 99, axis=0)
    hi = np.where(hi > lo, hi, lo + 1e-3)
    xs = np.linspace(lo[0], hi[0], PLANE)
    ys = np.linspace(hi[1], lo[1], PLANE)  # top row = largest z₂
    grid = np.array([[x, y] for y in ys for x in xs], dtype=np.float32)  # (PLANE², 2)
    images = decode(loaded.model, grid)
    images = np.asarray(images, dtype=np.float32).reshape(PLANE * PLANE, *loaded.input_shape)
    half = (hi - lo) / (2 * (PLANE - 1))  # tiles are centred on their grid codes
    extent = (float(lo[0] - half[0]), float(hi[0] + half[0]),
              float(lo[1] - half[1]), float(hi[1] + half[1]))
    png = draw_plane(images, PLANE, extent, ctx.fig_dir / "latent_plane.png")
    caption = (f"The decoder's outputs on a {PLANE}×{PLANE} grid of codes spanning the "
               f"1st–99th percentile of the test codes: z₁ from {lo[0]:.3g} to {hi[0]:.3g}, "
               f"z₂ from {lo[1]:.3g} to {hi[1]:.3g}.")
    return Section("plane", "Latent plane", [figure(png, caption, "latent plane")])
