"""Report sections for generative runs (vae, aae, dcgan).

Sample quality table, a seeded grid of prior samples (one row per class for a
supervised AAE), the style grid (supervised AAE), a latent traversal (models with an
encoder) and a t-SNE map of test codes. Everything is drawn from the run directory and
the data it names, like the rest of the report.
"""

from __future__ import annotations

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.errors import AekitError
from aekit.report.page import Section, class_name, escape, figure, fmt
from aekit.report.registry import ReportContext, section

N_SAMPLES = 64
TRAVERSE_DIMS = 8
TRAVERSE_STEPS = 9
N_TSNE = 1000


def _data_loads(ctx: ReportContext) -> bool:
    """The run's data load (when they do not, the data sections already say why)."""
    try:
        ctx.splits()
    except AekitError:
        return False
    return True


def _labelled(ctx: ReportContext) -> bool:
    """The data load and their test split has labels (the style grid needs one per class)."""
    return _data_loads(ctx) and ctx.splits().y_test is not None


@section(order=100, requires={Capability.GENERATE}, when=lambda ctx: ctx.image)
def quality(ctx: ReportContext) -> Section:
    """Sample-quality numbers from ``metrics.json``: the Fréchet distance with its
    references beside it (the real-vs-real floor; for a model that encodes, its decoder on
    a Gaussian fitted to its training codes), confidence, class coverage."""
    sec = Section("quality", "Sample quality")
    g = (ctx.metrics or {}).get("generation")
    if not isinstance(g, dict) or not g:
        sec.body.append("<p class=note>No sample-quality numbers yet (run <code>aekit "
                        "evaluate</code>; the metric needs labelled image data).</p>")
        return sec
    # the references beside every FD (aekit.evaluate.fid.fd_references), in table order
    labels = {"real_floor": "Reference: real training images vs the test split — the "
                            "floor (lower is better)",
              "codes_gaussian": "Reference: this model's decoder on draws from a Gaussian "
                                "fitted to its training codes (lower is better)"}
    n = g.get("n_samples", "?")
    rows = [("Fréchet distance of this model's samples (lower is better)",
             fmt(g.get("frechet_distance"), "{:.2f}"))]
    refs = g.get("references") or {}
    for key in [*labels, *sorted(set(refs) - set(labels))]:
        ref = refs.get(key)
        if not isinstance(ref, dict):
            continue
        label = labels.get(key) or f"Reference: {ref.get('what', key)} (lower is better)"
        if ref.get("n_samples") not in (None, n):
            label += f", {ref['n_samples']} images"
        rows.append((label, fmt(ref.get("frechet_distance"), "{:.2f}")))
    rows += [("Mean classifier confidence of samples", fmt(g.get("confidence"), "{:.3f}")),
             ("… of real test images (for reference)",
              fmt(g.get("reference_confidence"), "{:.3f}")),
             ("Share of classes generated (> 1% of samples)",
              fmt(g.get("class_coverage"), "{:.2f}")),
             ("Samples compared with the test split", str(n)),
             ("Feature classifier's test accuracy", fmt(g.get("classifier_test_accuracy"),
                                                         "{:.4f}"))]
    body = "".join(f"<tr><td>{escape(k)}</td><td class=num>{v}</td></tr>" for k, v in rows)
    sec.body.append(f"<table class=metrics><tbody>{body}</tbody></table>")
    if refs:
        codes = ("; the Gaussian-on-codes row is how a plain autoencoder generates: samples "
                 "scoring above it are worse than this model's own decoder fed a fitted "
                 "Gaussian" if "codes_gaussian" in refs else
                 "; a model without an encoder has only the floor")
        sec.body.append(f"<p class=muted>Read the Fréchet distance against its references, "
                        f"each scored with as many images against the same test split: the "
                        f"floor is real images, what a perfect generator would score at this "
                        f"sample size{escape(codes)}.</p>")
    else:
        sec.body.append("<p class=note>This metrics.json has no references beside the "
                        "Fréchet distance (written by an older aekit); run <code>aekit "
                        "evaluate</code> again for the real-vs-real floor.</p>")
    sec.body.append("<p class=muted>The Fréchet distance compares Gaussians fitted to the "
                    "128-d features of aekit's own classifier for this dataset (not "
                    "Inception's), for generated samples vs the test split; see "
                    "docs/generative.md. Compare it only between runs on the same data "
                    "with the same number of samples.</p>")
    return sec


@section(order=110, requires={Capability.GENERATE}, when=lambda ctx: ctx.image)
@torch.no_grad()
def samples(ctx: ReportContext) -> Section:
    """A seeded grid of prior samples; one row per class label for a conditional model."""
    from aekit.report.figures import image_rows

    loaded, fig_dir = ctx.loaded, ctx.fig_dir
    sec = Section("samples", "Samples")
    model = loaded.model.eval()
    seed = loaded.config.task.eval_seed
    g = torch.Generator().manual_seed(seed)
    if Capability.CONDITION in model.capabilities:
        k = model.n_classes
        y = torch.arange(k).repeat_interleave(8)
        x = model.sample(k * 8, generator=g, y=y).clamp(0, 1).numpy()
        rows = [(f"class {c}", x[c * 8:(c + 1) * 8]) for c in range(k)]
        caption = "Prior samples, 8 per class label (one row per class)."
    else:
        x = model.sample(N_SAMPLES, generator=g).clamp(0, 1).numpy()
        rows = [("", x[r * 8:(r + 1) * 8]) for r in range(N_SAMPLES // 8)]
        caption = f"{N_SAMPLES} samples from the prior (seed {seed})."
    png = image_rows(rows, fig_dir / "samples.png")
    sec.body.append(figure(png, caption + " Reproduce with <code>aekit generate RUN -n 64 "
                                           f"--seed {seed}</code>.", "samples"))
    return sec


@section(order=120, requires={Capability.GENERATE, Capability.CONDITION},
         when=lambda ctx: ctx.image and _labelled(ctx))
@torch.no_grad()
def style_grid(ctx: ReportContext) -> Section:
    """One test image per class, its code decoded with every label: style vs class."""
    from aekit.report.figures import image_rows

    loaded, fig_dir = ctx.loaded, ctx.fig_dir
    splits = ctx.splits()
    x_test, y_test = splits.x_test, splits.y_test
    classes = getattr(splits.dataset, "classes", None)
    sec = Section("style", "Style grid")
    model = loaded.model.eval()
    k = model.n_classes
    idx = [int(np.flatnonzero(y_test == c)[0]) for c in range(k) if (y_test == c).any()]
    x = torch.from_numpy(np.asarray(x_test[idx], dtype=np.float32))
    z = model.encode(x)  # (rows, d): each image's style
    rows = []
    for r, i in enumerate(idx):
        imgs = model.decode(z[r:r + 1].repeat(k, 1), torch.arange(k)).clamp(0, 1).numpy()
        rows.append((class_name(int(y_test[i]), classes), np.concatenate([x[r:r + 1].numpy(),
                                                                           imgs])))
    titles = ["input"] + [class_name(c, classes) for c in range(k)]
    png = image_rows(rows, fig_dir / "style_grid.png", titles)
    sec.body.append(figure(png, "Each row: a test image (left) and its code decoded with "
                            "every class label — the code carries the style, the label the "
                            "class. <code>aekit style RUN IMAGE</code> does this for any "
                            "image.", "style grid"))
    return sec


@section(order=130, requires={Capability.GENERATE, Capability.EMBED},
         when=lambda ctx: ctx.image and _data_loads(ctx))
@torch.no_grad()
def traversal(ctx: ReportContext) -> Section:
    """Decoded codes varying one dimension at a time: what each code number controls."""
    from aekit.report.figures import image_rows

    loaded, fig_dir = ctx.loaded, ctx.fig_dir
    sec = Section("traversal", "Latent traversal")
    model = loaded.model.eval()
    d = model.code_size
    dims = min(d, TRAVERSE_DIMS)
    values = np.linspace(-2.5, 2.5, TRAVERSE_STEPS)
    rows = []
    for j in range(dims):
        z = torch.zeros(TRAVERSE_STEPS, d)
        z[:, j] = torch.from_numpy(values).float()
        y = torch.zeros(TRAVERSE_STEPS, dtype=torch.long) \
            if Capability.CONDITION in model.capabilities else None
        x = (model.decode(z, y) if y is not None else model.decode(z)).clamp(0, 1).numpy()
        rows.append((f"z{j + 1}", x))
    titles = [f"{v:+.1f}" for v in values]
    png = image_rows(rows, fig_dir / "traversal.png", titles)
    more = f" (first {dims} of {d})" if d > dims else ""
    label = " with class label 0" if Capability.CONDITION in model.capabilities else ""
    sec.body.append(figure(png, f"Each row varies one code dimension{more} from −2.5 to "
                            f"+2.5 around the zero code{label}, the others fixed. "
                            f"<code>aekit traverse RUN --image IMG</code> starts from an "
                            f"image's code instead.", "latent traversal"))
    return sec


@section(order=140, requires={Capability.GENERATE, Capability.EMBED},
         when=lambda ctx: ctx.image and _data_loads(ctx))
def tsne(ctx: ReportContext) -> Section:
    """A t-SNE map of test codes, coloured by class (neighbourhoods, not distances)."""
    from sklearn.manifold import TSNE

    from aekit.report.figures import latent_map
    from aekit.tasks.infer import encode

    loaded, fig_dir = ctx.loaded, ctx.fig_dir
    splits = ctx.splits()
    x_test, y_test = splits.x_test, splits.y_test
    classes = getattr(splits.dataset, "classes", None)
    sec = Section("tsne", "t-SNE of codes")
    n = min(N_TSNE, x_test.shape[0])
    codes = encode(loaded.model, np.asarray(x_test[:n], dtype=np.float32)).astype(np.float64)
    if n < 10:
        sec.body.append("<p class=note>Too few test samples for a t-SNE map.</p>")
        return sec
    points = TSNE(n_components=2, init="pca", perplexity=min(30.0, (n - 1) / 3),
                  random_state=0).fit_transform(codes)
    labels = None if y_test is None else np.asarray(y_test[:n]).astype(np.int64)
    png = latent_map(points, labels, classes, fig_dir / "tsne.png", "t-SNE 1", "t-SNE 2")
    sec.body.append(figure(png, f"t-SNE (perplexity ≤ 30, seed 0) of the codes of the first "
                                 f"{n} test samples; distances between clusters are not "
                                 f"meaningful in t-SNE, neighbourhoods are.", "t-SNE map"))
    return sec
