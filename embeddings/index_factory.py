"""From settings to a per-view vector index: FAISS (the default) or Milvus (``CCIMATCH_VECTOR_ENGINE=milvus``).

:func:`index_params` turns the settings into the keyword arguments :func:`build_index` takes (for FAISS exactly
the ones :class:`~embeddings.index_faiss.FaissIndex` takes, so saved FAISS indexes load as before). With Milvus,
each view of each catalogue version is one collection named ``ccimatch_<db key>_v<version>_<view>_<digest>``
(:func:`~embeddings.index_milvus.collection_name`). On a catalogue change (a write bumps the version) the next
build inserts new collections for the new version and publishes them by a rename; a process or a restart that
builds the same version finds them and reuses them (nothing inserted again); after each build the collections
of all but the newest two versions of this database are dropped, so a reader still holding the previous state
keeps a live collection. The vectors are derived data, rebuilt from the database's embeddings.

``service.catalogue.index.Catalogue`` takes :func:`index_params` in ``Catalogue.open``; with Milvus it builds each
view of a full load through :func:`build_index` and skips its FAISS file store (no published snapshot, no splice
of a write: the next state loads the profiles and finds or builds the new version's collections);
tests/service/catalogue/test_index_milvus.py checks it against FAISS on the same database.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from embeddings.index_faiss import FaissIndex
from embeddings.index_milvus import MilvusIndex, client_for, collection_name, content_digest, drop_stale
from embeddings.milvus_filters import catalogue_fields
from matcher.constraints import CatalogueArrays

KEEP_VERSIONS = 2  # Milvus collections kept per database: the current catalogue version and the previous one


class IndexSettings(Protocol):
    """The settings the factory reads (service.settings.Settings has them)."""

    @property
    def db(self) -> str: ...
    @property
    def approx_threshold(self) -> int: ...
    @property
    def approx(self) -> str: ...
    @property
    def nprobe(self) -> int: ...
    @property
    def ef_search(self) -> int: ...
    @property
    def vector_engine(self) -> str: ...
    @property
    def milvus_uri(self) -> str: ...
    @property
    def milvus_token(self) -> str: ...
    @property
    def milvus_index(self) -> str: ...


def database_key(db: str) -> str:
    """10 hex digits naming the database in collection names (one Milvus may serve several databases)."""
    return hashlib.sha256(db.encode()).hexdigest()[:10]


def index_params(settings: IndexSettings, *, index_dir: Path) -> dict[str, Any]:
    """Keyword arguments for :func:`build_index`; milvus-lite's default database is ``<index_dir>/milvus.db``."""
    faiss_params: dict[str, Any] = {"approx_threshold": settings.approx_threshold, "approx": settings.approx,
                                    "nprobe": settings.nprobe, "ef_search": settings.ef_search}
    if settings.vector_engine == "faiss":
        return faiss_params
    if settings.vector_engine != "milvus":
        raise ValueError(f"vector_engine must be 'faiss' or 'milvus', not {settings.vector_engine!r}")
    return {"engine": "milvus", "uri": settings.milvus_uri or str(index_dir / "milvus.db"),
            "token": settings.milvus_token, "index_type": settings.milvus_index, "nprobe": settings.nprobe,
            "ef_search": settings.ef_search, "key": database_key(settings.db)}


def build_index(matrix: np.ndarray, *, view: str, catalogue_version: int, arrays: CatalogueArrays | None = None,
                engine: str = "faiss", **params: Any) -> FaissIndex | MilvusIndex:
    """The index of one view's rows (n, d). ``params`` come from :func:`index_params`; with Milvus, ``arrays``
    (the catalogue's columns) give the scalar fields stored beside the vectors for constraint expressions."""
    if engine == "faiss":
        return FaissIndex(matrix, **params)
    if engine != "milvus":
        raise ValueError(f"unknown vector engine {engine!r}")
    key = params.pop("key")
    client = client_for(params.pop("uri"), params.pop("token", ""))
    fields = catalogue_fields(arrays, view) if arrays is not None else None
    name = collection_name(key=key, catalogue_version=catalogue_version, view=view,
                           digest=content_digest(matrix, fields))
    index = MilvusIndex(matrix, client=client, collection=name, fields=fields, **params)
    drop_stale(client, key=key, keep=KEEP_VERSIONS)
    return index
