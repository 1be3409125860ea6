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
N_TSNE = 1000  # of those, embedded with t-SNE (seeded subset: t-SNE is O(n log n) and slow)
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
    if d > 2 and n > N_TSNE // 10:
        sec.body.append(_tsne_figure(ctx, codes, labels, data.classes, coloured))
    return sec


def _tsne_figure(ctx: ReportContext, codes: np.ndarray, labels: np.ndarray | None,
                 classes: list[str] | None, coloured: str) -> str:
    """t-SNE (van der Maaten & Hinton 2008) of a seeded subset of the codes: the
    neighbourhoods a linear PCA view can hide; distances between clusters mean little."""
    from sklearn.manifold import TSNE

    from aekit.report import figures

    n = codes.shape[0]
    pick = np.sort(np.random.default_rng(0).choice(n, min(N_TSNE, n), replace=False))
    perplexity = float(min(30.0, (len(pick) - 1) / 3))
    points = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=0,
                  learning_rate="auto").fit_transform(codes[pick])
    png = figures.latent_map(points, None if labels is None else labels[pick], classes,
                             ctx.fig_dir / "latent_tsne.png", "t-SNE 1", "t-SNE 2")
    caption = (f"t-SNE of the codes of {len(pick)} of those test samples (seeded subset, "
               f"perplexity {perplexity:g}), {coloured}: who is near whom in code space; "
               f"the sizes of and distances between clusters carry no meaning.")
    return figure(png, caption, "t-SNE of the codes")


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
    if ctx.plane_range is not None:  # the textbook's fixed square, e.g. −3…3 for a VAE
        lo = np.full(2, ctx.plane_range[0])
        hi = np.full(2, ctx.plane_range[1])
        span = f"the fixed range {ctx.plane_range[0]:g}…{ctx.plane_range[1]:g} (--plane-range)"
    else:
        lo = np.percentile(codes, 1, axis=0)
        hi = np.percentile(codes, 99, axis=0)
        hi = np.where(hi > lo, hi, lo + 1e-3)
        span = "the 1st–99th percentile of the test codes (--plane-range sets a fixed one)"
    xs = np.linspace(lo[0], hi[0], PLANE)
    ys = np.linspace(hi[1], lo[1], PLANE)  # top row = largest z₂
    grid = np.array([[x, y] for y in ys for x in xs], dtype=np.float32)  # (PLANE², 2)
    images = decode(loaded.model, grid)
    images = np.asarray(images, dtype=np.float32).reshape(PLANE * PLANE, *loaded.input_shape)
    half = (hi - lo) / (2 * (PLANE - 1))  # tiles are centred on their grid codes
    extent = (float(lo[0] - half[0]), float(hi[0] + half[0]),
              float(lo[1] - half[1]), float(hi[1] + half[1]))
    png = draw_plane(images, PLANE, extent, ctx.fig_dir / "latent_plane.png")
    caption = (f"The decoder's outputs on a {PLANE}×{PLANE} grid of codes spanning "
               f"{span}: z₁ from {lo[0]:.3g} to {hi[0]:.3g}, "
               f"z₂ from {lo[1]:.3g} to {hi[1]:.3g}.")
    return Section("plane", "Latent plane", [figure(png, caption, "latent plane")])
