"""Metrics and reference baselines (PCA, classical denoisers)."""
