"""Fetch, verify and cache dataset files.

One module per concern; this package re-exports the names other modules use, so
``from aekit.data.fetch import ensure, cache_dir, …`` keeps working:

* :mod:`.cache`: where files live (``$AEKIT_DATA`` or the platform cache directory,
  ``AEKIT_<NAME>_DIR`` for local copies);
* :mod:`.remote`: how a fetchable dataset is described (:class:`RemoteSpec`,
  :class:`FileSpec`, :class:`Archive`); the concrete specs live beside their loaders
  in :mod:`aekit.data.sources`;
* :mod:`.retrievers`: where files can come from (local directory, mirrors, the
  official archive, npm and Debian packages), each delivering into a scratch folder;
* :mod:`.verify`: sha256 / md5 checks and the ``.verified.json`` record;
* :mod:`.install`: :func:`ensure` and :func:`fetch_files`, which run the retriever
  chain and move each delivered file into the cache atomically once its digest
  matches.
"""

from __future__ import annotations

from aekit.data.fetch.cache import cache_dir, default_file_mode, env_var
from aekit.data.fetch.install import default_sources, ensure, fetch_files, say
from aekit.data.fetch.remote import Archive, FileSpec, RemoteSpec
from aekit.data.fetch.retrievers import (
    AptSource,
    ArchiveUrlSource,
    FetchFailed,
    FetchSource,
    Got,
    LocalDirSource,
    NpmSource,
    Say,
    UrlSource,
)
from aekit.data.fetch.verify import VERIFIED, checksum_status, md5_file, sha256_file

__all__ = [
    "VERIFIED", "AptSource", "Archive", "ArchiveUrlSource", "FetchFailed", "FetchSource",
    "FileSpec", "Got", "LocalDirSource", "NpmSource", "RemoteSpec", "Say", "UrlSource",
    "cache_dir", "checksum_status", "default_file_mode", "default_sources", "ensure",
    "env_var", "fetch_files", "md5_file", "say", "sha256_file",
]

