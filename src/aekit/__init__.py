"""aekit — an autoencoder toolkit for PyTorch.

Kept import-light on purpose: ``import aekit`` must not pull torch, so that the
CLI starts in well under a second. Heavy modules are imported where used.
"""

__version__ = "0.1.0"
