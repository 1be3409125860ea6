"""Data sources for aekit: loaders with fixed splits, provenance and verification.

``load_dataset(spec)`` returns a :class:`Dataset` (NumPy arrays, never tensors).
Specs: ``mnist``, ``fashion-mnist``, ``cifar10``, ``natural-images``, ``mate-photos``,
``moving-mnist[?OPTIONS]``, ``folder:PATH``, ``photos:PATH``, ``npy:PATH``, ``npz:PATH``,
``csv:PATH[?label=COL]``. Importing this package is light (NumPy and the standard
library): it registers the sources but loads nothing; Pillow and scikit-image are
imported when a source uses them.

Layout, by concept:

* :mod:`~aekit.data.sources`: the registered sources, one module per source with its
  remote spec beside its loader, and ``load_dataset`` / spec parsing;
* :mod:`~aekit.data.fetch`: the cache (``$AEKIT_DATA``), retrievers (local folder,
  mirrors, packages), verification (checksums) and atomic installs;
* format readers, independent of specs and caches: :mod:`~aekit.data.idx`,
  :mod:`~aekit.data.cifar`, :mod:`~aekit.data.images` (image files),
  :mod:`~aekit.data.tabular`, :mod:`~aekit.data.timeseries`, and the generator
  :mod:`~aekit.data.moving_mnist`;
* :mod:`~aekit.data.dataset` (the :class:`Dataset` and the seeded split),
  :mod:`~aekit.data.catalog` (what ``aekit data`` shows), :mod:`~aekit.data.splits`
  (a run's tensors), :mod:`~aekit.data.patches`, :mod:`~aekit.data.corruptions`,
  :mod:`~aekit.data.rankgauss`; messages go through :mod:`aekit.log`.
"""

from aekit.data.dataset import Dataset
from aekit.data.sources import load_dataset

__all__ = ["Dataset", "load_dataset"]
