"""Shared neural-network building blocks (MLP, conv, upsampling)."""
