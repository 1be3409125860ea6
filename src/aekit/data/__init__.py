"""Data sources for aekit: loaders with fixed splits, provenance and verification.

``load_dataset(spec)`` returns a :class:`Dataset` (NumPy arrays, never tensors).
Specs: ``mnist``, ``fashion-mnist``, ``cifar10``, ``natural-images``, ``folder:PATH``,
``npy:PATH``, ``npz:PATH``, ``csv:PATH[?label=COL]``. Importing this package is light
(NumPy only): it registers the sources but loads nothing; Pillow, scikit-image and
the fetch machinery are imported when a source is used.

Modules: :mod:`~aekit.data.sources` (the registered sources), :mod:`~aekit.data.fetch`
(cache, mirrors, verification), :mod:`~aekit.data.idx`, :mod:`~aekit.data.cifar`,
:mod:`~aekit.data.tabular` (format readers), :mod:`~aekit.data.images` (image files),
:mod:`~aekit.data.patches`, :mod:`~aekit.data.catalog` (what ``aekit data`` shows).
"""

from aekit.data.dataset import Dataset
from aekit.data.sources import load_dataset

__all__ = ["Dataset", "load_dataset"]
