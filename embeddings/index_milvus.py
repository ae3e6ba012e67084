"""Milvus backend of the vector-index protocol: the same code against milvus-lite (a ``.db`` path: embedded,
pure Python on FAISS, for tests and one machine) and a Milvus cluster (``http://host:19530``).

One collection per view and catalogue version: primary key ``row`` (0..n-1), ``vector`` (float32, inner
product), and scalar fields beside it (:mod:`embeddings.milvus_filters`) so that constraints run inside Milvus
as boolean expressions (:meth:`MilvusIndex.search_expr`); the protocol's boolean mask becomes ``row in [...]``.
Names are deterministic (:func:`collection_name`: database key, catalogue version, view and a digest of the
content), a build is inserted under a temporary name and published by a rename, so another process (or a
restart) finds a complete collection and reuses it instead of inserting again; :func:`drop_stale` removes the
collections of older catalogue versions (the newest ``keep`` stay, for readers still on the previous state).

Exactness: Milvus picks the rows (a FLAT index: exact); their scores are then recomputed from a local copy of
the vectors by FAISS's kernel, so that :meth:`~MilvusIndex.scores` and :meth:`~MilvusIndex.search` agree to the
bit as the protocol requires (the catalogue holds every vector in memory anyway: the matcher reads them back for
explanations, clusters and re-ranking). An approximate index (IVF_FLAT, HNSW) under a filter of selectivity p
probes ``nprobe / p`` cells (``ef / p`` candidates for HNSW), capped at all of them: at 0.1 % that is an exhaustive
scan, where a fixed nprobe returned fewer than k rows (recall figures in ``python -m bench --only milvus``).

milvus-lite start-up: opening a ``.db`` starts its gRPC server in a thread of this process, about 0.1-0.5 s
(measured under load); one ``.db`` serves one process only (several servers need a Milvus cluster).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from pymilvus import DataType, MilvusClient, MilvusException

from embeddings.index_exact import check_query, top_k
from embeddings.index_faiss import FaissIndex, merge_top_k
from embeddings.milvus_filters import CATALOGUE_FIELDS, mask_expression

IndexType = Literal["FLAT", "IVF_FLAT", "HNSW"]
INDEX_TYPES: tuple[str, ...] = ("FLAT", "IVF_FLAT", "HNSW")
MAX_TOPK = 16_384  # Milvus refuses a larger limit; a larger k is answered from the local copy (exact)
COUNT_CACHE = 1024  # expressions whose row count is remembered per index
INSERT_BATCH = 5_000  # rows per insert call (a 384-d batch is ~8 MB on the wire, under gRPC's 64 MB)
PREFIX = "ccimatch_"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")

_clients_lock = threading.Lock()
_clients: dict[tuple[str, str], MilvusClient] = {}


def client_for(uri: str, token: str = "") -> MilvusClient:
    """One client per (uri, token) in this process (a ``.db`` uri starts milvus-lite's server once)."""
    with _clients_lock:
        client = _clients.get((uri, token))
        if client is None:
            if uri.endswith(".db"):  # milvus-lite: a local folder, whose parent must exist
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                client = MilvusClient(uri=uri, token=token)
            except MilvusException as exc:
                if not uri.endswith(".db"):
                    raise
                raise RuntimeError(  # e.g. `ccimatch search` while `ccimatch serve` holds the file
                    f"could not open the milvus-lite database {uri} ({exc.message}): milvus-lite serves one process, "
                    "is a server or another command using it? Several processes share a Milvus cluster "
                    "(CCIMATCH_MILVUS_URI=http://host:19530)") from exc
            _clients[(uri, token)] = client
        return client


def collection_name(*, key: str, catalogue_version: int, view: str, digest: str) -> str:
    """``ccimatch_<key>_v<version>_<view>_<digest>``: the database (key), the catalogue version it was built
    from, the view, and a digest of the content (a database re-created from scratch reuses version numbers)."""
    name = f"{PREFIX}{key}_v{catalogue_version}_{view}_{digest}"
    if not _NAME_RE.match(name):
        raise ValueError(f"not a valid Milvus collection name: {name!r}")
    return name


def content_digest(vectors: np.ndarray, fields: Mapping[str, Sequence[Any]] | None = None) -> str:
    """12 hex digits of blake2b over the vectors (as float32) and the scalar fields."""
    h = hashlib.blake2b(digest_size=6)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    h.update(str(x.shape).encode())
    h.update(x.data)  # ~0.8 s at 100k x 384 (under load), against ~10 s to insert them into milvus-lite
    if fields:
        h.update(json.dumps({k: list(v) for k, v in sorted(fields.items())}, default=int).encode())
    return h.hexdigest()


def _version_of(name: str, key: str) -> int | None:
    match = re.match(rf"^{re.escape(PREFIX + key)}_v(\d+)_", name)
    return int(match.group(1)) if match else None


def drop_stale(client: MilvusClient, *, key: str, keep: int = 2) -> list[str]:
    """Drop this database's collections (and unfinished builds) of all but the newest ``keep`` catalogue
    versions; returns the names dropped. A collection another process drops first is skipped."""
    mine = {name: v for name in client.list_collections() if (v := _version_of(name, key)) is not None}
    newest = sorted(set(mine.values()), reverse=True)[:keep]
    dropped = []
    for name, version in sorted(mine.items()):
        if version not in newest:
            try:
                client.drop_collection(name)
                dropped.append(name)
            except Exception:  # pragma: no cover - raced with another process
                continue
    return dropped


def _schema(client: MilvusClient, dim: int, fields: Mapping[str, Sequence[Any]]) -> Any:
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    for name, values in fields.items():
        kind = _infer(values)
        longest = CATALOGUE_FIELDS.get(name, (kind, 1))[1]  # room for longer values in a later build
        if kind == "int":
            schema.add_field(name, DataType.INT64)
        elif kind == "str":
            schema.add_field(name, DataType.VARCHAR, max_length=max(1, longest, *(len(str(v)) for v in values)))
        else:
            items = [str(x) for v in values for x in v]
            schema.add_field(name, DataType.ARRAY, element_type=DataType.VARCHAR,
                             max_capacity=max(1, *(len(v) for v in values)) if values else 1,
                             max_length=max(1, longest, *(len(x) for x in items)))
    return schema


def _infer(values: Sequence[Any]) -> str:
    """"int", "str" or "str_list" (a list of strings) from the first value."""
    first = next((v for v in values), None)
    if isinstance(first, int | np.integer):
        return "int"
    if isinstance(first, list | tuple):
        return "str_list"
    return "str"


class MilvusIndex:
    """Inner-product index over rows 0..n-1 in a Milvus collection (see the module docstring).

    ``index_type`` FLAT (exact), IVF_FLAT (``nlist`` cells, ``nprobe`` probed, more under a filter) or HNSW
    (``hnsw_m``, ``ef_construction``, ``ef_search``). ``fields``: scalar columns (name -> n values) stored
    beside the vectors for :meth:`search_expr`. ``collection``: the name (default: an anonymous one);
    an existing collection of that name with n rows is reused, not rebuilt.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        *,
        uri: str = "",
        token: str = "",
        client: MilvusClient | None = None,
        collection: str | None = None,
        index_type: IndexType = "FLAT",
        nlist: int | None = None,
        nprobe: int = 16,
        hnsw_m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 64,
        fields: Mapping[str, Sequence[Any]] | None = None,
        threads: int | None = None,
    ) -> None:
        if index_type not in INDEX_TYPES:
            raise ValueError(f"index_type must be one of {', '.join(INDEX_TYPES)}, not {index_type!r}")
        if client is None:
            if not uri:
                raise ValueError("give a Milvus uri (a .db path for milvus-lite, http://host:19530) or a client")
            client = client_for(uri, token)
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        self._local = FaissIndex(x, approx_threshold=len(x) + 1, threads=threads)  # vectors, scores, re-scoring
        self.dim = self._local.dim
        flat = self._local.flat  # its storage, read in place (no second copy)
        self._x = (faiss.rev_swig_ptr(flat.get_xb(), len(x) * self.dim).reshape(len(x), self.dim)  # type: ignore[attr-defined]
                   if len(x) else np.zeros((0, self.dim), np.float32))
        self.client = client
        self.index_type = index_type
        n = len(x)
        self.nlist = max(1, min(n, nlist if nlist is not None else int(4 * math.sqrt(max(n, 1)))))
        self.nprobe = nprobe
        self.ef_search = ef_search
        fields = dict(fields or {})
        for name, values in fields.items():
            if name in ("row", "vector") or not _NAME_RE.match(name):
                raise ValueError(f"not a usable scalar field name: {name!r}")
            if len(values) != n:
                raise ValueError(f"field {name!r} has {len(values)} values for {n} rows")
        self.fields = tuple(fields)
        self._counts: OrderedDict[str, int] = OrderedDict()  # expression -> rows it allows (LRU)
        self._counts_lock = threading.Lock()
        self.collection = collection or f"{PREFIX}anon_{secrets.token_hex(6)}"
        self.reused = self._open(n) if collection else False
        if not self.reused:
            self._build(x, fields, hnsw_m=hnsw_m, ef_construction=ef_construction)

    # --- building ------------------------------------------------------------------------------
    def _open(self, n: int) -> bool:
        """Reuse a published collection of this name (complete: published by rename) if it has n rows and the
        index type asked for (the setting may have changed since it was built)."""
        if not self.client.has_collection(self.collection):
            return False
        rows = int(self.client.get_collection_stats(self.collection).get("row_count", -1))
        built = self.client.describe_index(self.collection, "vector") or {}
        if rows != n or built.get("index_type") != self.index_type:
            self.client.drop_collection(self.collection)  # not what is asked for: rebuilt below
            return False
        self.client.load_collection(self.collection)
        return True

    def _build(self, x: np.ndarray, fields: Mapping[str, Sequence[Any]], *, hnsw_m: int, ef_construction: int
               ) -> None:
        """Insert under a temporary name, index, load, then rename into place (another process that published
        the same name first wins: its collection is used and ours dropped)."""
        build = f"{self.collection}__build_{secrets.token_hex(4)}"[:255]
        params = self.client.prepare_index_params()
        build_params: dict[str, Any] = {}
        if self.index_type == "IVF_FLAT":
            build_params = {"nlist": self.nlist}
        elif self.index_type == "HNSW":
            build_params = {"M": hnsw_m, "efConstruction": ef_construction}
        # Build parameters in the nested "params" form: pymilvus 3 flattens a plain dict into top-level keys,
        # which milvus-lite 3.2 ignores (nlist stayed 128); a Milvus server reads both forms.
        params.add_index(field_name="vector", index_type=self.index_type, metric_type="IP",
                         params={"params": build_params} if build_params else {})
        self.client.create_collection(build, schema=_schema(self.client, self.dim, fields))
        try:
            # sync=False: pymilvus would otherwise poll the index state (0.5 s per collection, and an RPC that
            # milvus-lite lacks); milvus-lite indexes at flush, a cluster in the background (searched meanwhile
            # by brute force: the same rows)
            self.client.create_index(build, params, sync=False)
            columns = {name: list(values) for name, values in fields.items()}
            for lo in range(0, len(x), INSERT_BATCH):
                hi = min(len(x), lo + INSERT_BATCH)
                vecs = x[lo:hi].tolist()  # lists pack faster than numpy rows (2.0 s against 3.2 s per 5,000 x 384)
                self.client.insert(build, [
                    {"row": r, "vector": vecs[r - lo], **{name: col[r] for name, col in columns.items()}}
                    for r in range(lo, hi)])
            self.client.flush(build)  # sealed segments get the vector index; growing ones are scanned
            try:
                self.client.rename_collection(build, self.collection)
            except Exception:
                if not self.client.has_collection(self.collection):
                    raise
                self.client.drop_collection(build)  # another process published it meanwhile
            self.client.load_collection(self.collection)
        except BaseException:
            if self.client.has_collection(build):
                self.client.drop_collection(build)
            raise

    def drop(self) -> None:
        """Remove the collection from Milvus (the local copy stays usable for :meth:`vectors`)."""
        if self.client.has_collection(self.collection):
            self.client.drop_collection(self.collection)

    # --- the protocol --------------------------------------------------------------------------
    @property
    def approximate(self) -> bool:
        return self.index_type != "FLAT"

    def __len__(self) -> int:
        return len(self._local)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._local.vectors(rows)

    def scores(self, queries: np.ndarray) -> np.ndarray:
        return self._local.scores(queries)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        queries = check_query(queries, self.dim, k, allowed, n)
        count = n if allowed is None else int(np.count_nonzero(allowed))
        if k == 0 or count == 0:
            return top_k(np.zeros((len(queries), 0), np.float32), k)
        return self._search(queries, k, None if allowed is None else mask_expression(allowed), count)

    def search_expr(self, queries: np.ndarray, k: int, expr: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Best k rows satisfying the Milvus boolean expression ``expr`` over the scalar fields (None: every
        row), as :meth:`search` returns them."""
        queries = check_query(queries, self.dim, k, None, len(self))
        if k == 0 or len(self) == 0:
            return top_k(np.zeros((len(queries), 0), np.float32), k)
        count = self.count(expr) if (self.approximate or k > MAX_TOPK) and expr else len(self)
        return self._search(queries, k, expr, count)

    def count(self, expr: str | None = None) -> int:
        """Rows satisfying ``expr`` (all rows if None), counted by Milvus once per expression: a collection never
        changes (a new catalogue version is a new collection), and the count costs more than the search
        (milvus-lite materialises the matching rows: 1.2 s for half of 20k rows, measured under load)."""
        if expr is None:
            return len(self)
        with self._counts_lock:
            found = self._counts.get(expr)
            if found is not None:
                self._counts.move_to_end(expr)
                return found
        rows = self.client.query(self.collection, filter=expr, output_fields=["count(*)"])
        found = int(rows[0]["count(*)"])
        with self._counts_lock:
            self._counts[expr] = found
            while len(self._counts) > COUNT_CACHE:
                self._counts.popitem(last=False)
        return found

    def rows(self, expr: str | None) -> np.ndarray:
        """The sorted rows satisfying ``expr``."""
        if expr is None:
            return np.arange(len(self), dtype=np.int64)
        found = self.client.query(self.collection, filter=expr, output_fields=["row"], limit=len(self))
        return np.sort(np.array([int(r["row"]) for r in found], dtype=np.int64))

    def search_params(self, share: float) -> dict[str, Any]:
        """Search parameters for a filter allowing ``share`` of the rows: the probe widened by 1/share."""
        widen = 1.0 / max(share, 1e-9)
        if self.index_type == "IVF_FLAT":
            return {"nprobe": min(self.nlist, math.ceil(self.nprobe * widen))}
        if self.index_type == "HNSW":
            return {"ef": min(max(len(self), 1), math.ceil(self.ef_search * widen))}
        return {}

    def _search(self, queries: np.ndarray, k: int, expr: str | None, count: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        if k > MAX_TOPK:  # beyond Milvus's limit: the allowed rows from Milvus, ranked here (exact)
            allowed = np.zeros(n, bool)
            allowed[self.rows(expr)] = True
            return self._local.search(queries, k, allowed)
        limit = min(k, count)
        params = self.search_params(count / n)
        if self.index_type == "HNSW":
            params["ef"] = max(params["ef"], limit)
        hits = self.client.search(self.collection, data=list(queries), limit=limit, filter=expr or "",
                                  output_fields=[], search_params={"metric_type": "IP", "params": params})
        rows = np.full((len(queries), max(limit, 1)), -1, np.int64)
        for i, found in enumerate(hits):
            ids = [int(h["row"]) for h in found]
            rows[i, :len(ids)] = ids
        return merge_top_k(self._rescore(queries, rows), rows, k)

    def _rescore(self, queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Inner products (q, m) of each query with its rows (-1: none), by the kernel :meth:`scores` uses."""
        out = np.full(rows.shape, -np.inf, np.float32)
        valid = rows >= 0
        if not valid.any():
            return out
        ids = np.ascontiguousarray(np.where(valid, rows, 0), dtype=np.int64)
        ip = np.empty(rows.shape, np.float32)
        faiss.fvec_inner_products_by_idx(  # type: ignore[attr-defined]
            faiss.swig_ptr(ip), faiss.swig_ptr(queries), faiss.swig_ptr(self._x),
            faiss.swig_ptr(ids), self.dim, len(queries), rows.shape[1])
        out[valid] = ip[valid]
        return out

    # --- persistence ---------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """A small JSON descriptor (the collection and how it was indexed): the vectors live in Milvus and in
        the database. Loading goes through the database (the collection is found by name and reused)."""
        path.write_text(json.dumps({"engine": "milvus", "collection": self.collection, "rows": len(self),
                                    "dim": self.dim, "index_type": self.index_type, "fields": list(self.fields)}))
