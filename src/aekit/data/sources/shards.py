"""``shards:DIR``: WebDataset tar shards written by ``aekit data shard``, read in place.

Nothing is decoded at load: meta.json gives the layout, classes, splits and labels,
each split is a :class:`~aekit.data.shards.ShardStore`, and training reads it shard by
shard, each DDP rank its own shards (:mod:`aekit.data.shards`). The splits — train,
validation, test — were fixed when the shards were written.
"""

from __future__ import annotations

from pathlib import Path

from aekit.data.dataset import Dataset
from aekit.data.shards import open_shards, shards_dataset
from aekit.data.sources.base import Source
from aekit.errors import DataError
from aekit.registry import register_source


@register_source("shards")
class ShardsSource(Source):
    """A folder of WebDataset tar shards with fixed train / validation / test splits."""

    description = "WebDataset tar shards written by `aekit data shard` (read shard by shard)"
    takes_path = True

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        """Open the shards folder ``arg``; a different image size or channel count than
        the shards hold is refused (they are not resized on the fly)."""
        opened = open_shards(Path(arg or "").expanduser())
        c, h, w = opened.meta["shape"]
        if image_size is not None and (int(image_size) != h or h != w):
            raise DataError(f"{spec} holds {w}x{h} images; remove data.image_size or shard "
                            f"again with --image-size {image_size}")
        if channels is not None and int(channels) != c:
            raise DataError(f"{spec} holds {c}-channel images; remove data.channels or shard "
                            f"again with --channels {channels}")
        return shards_dataset(spec.strip(), opened)
