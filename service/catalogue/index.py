"""The catalogue's life cycle: profiles in the database, their vectors (through the embedding cache), and
the derived per-view indexes, kept in step with the database across processes. The operations on it
(profiles, suggestions, clusters) live in their own modules and read :meth:`Catalogue.state`."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from embeddings import store
from embeddings.index_factory import build_index, index_params
from embeddings.index_faiss import FaissIndex
from embeddings.prescan_publish import write_codes
from embeddings.store import Published, load_indexes, load_published, published_manifest, save_indexes
from matcher.constraints import ITEM_SIDES, CatalogueArrays
from matcher.errors import NotFoundError
from matcher.profile import VIEWS, Profile
from matcher.protocols import Encoder, Role, VectorIndex
from matcher.suggestions import CatalogueView
from service.catalogue.graph_state import GraphState, build_graph_state
from service.catalogue.incremental import COMPACT_AFTER_SECONDS, COMPACT_ROWS, splice
from service.settings import Settings
from storage import repository as repo
from storage import snapshot
from storage.db import database_url, open_database
from storage.models import latest_model_id
from storage.relationships import relationships_version

log = logging.getLogger("ccimatch.catalogue")


class UnknownProfileError(NotFoundError):
    """No profile with this id."""


@dataclass(frozen=True, kw_only=True)
class State(CatalogueView):
    """The catalogue as of one database version: what a reader holds while it works, never changed."""

    version: int
    delta_rows: int = 0  # rows spliced in since the published base (service.catalogue.incremental); 0: a base


def default_index_dir(settings: Settings) -> Path:
    url = database_url(settings.db)
    if settings.index_dir is not None:
        return settings.index_dir
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return path.with_name(path.name + ".index")
    return settings.cache_dir / "index" / hashlib.sha256(url.encode()).hexdigest()[:16]


class Catalogue:
    """Profiles plus their vector indexes, kept in step with the database."""

    def __init__(self, *, engine: Engine, index_dir: Path, model_id: str,
                 encoder_factory: Callable[[], Encoder], index_params: Mapping[str, Any] | None = None) -> None:
        self.engine = engine
        self.index_dir = index_dir
        self.model_id = model_id
        self._encoder_factory = encoder_factory
        self._encoder: Encoder | None = None
        self._index_params = dict(index_params or {})
        self._state: State | None = None
        self._graph: GraphState | None = None
        self.lock = threading.RLock()  # serialises this process's writers and index rebuilds
        self.rebuilt = False  # whether the last refresh had to rebuild the index
        self._database_uid: str | None = None
        self._damaged: set[Path] = set()  # published folders whose checksums did not match
        self._base: State | None = None  # the last state loaded in full or published: what writes are spliced into
        self._compacting: threading.Thread | None = None
        self._compact_timer: threading.Timer | None = None

    @classmethod
    def open(cls, settings: Settings, *, encoder: Encoder | None = None) -> Catalogue:
        from embeddings.encoder import backend_model_id, load_encoder

        engine = open_database(settings.db)
        if encoder is not None:
            model_id, factory = encoder.model_id, (lambda: encoder)
        else:
            model_id = backend_model_id(settings.model, settings.cache_dir, settings.backend)

            def factory() -> Encoder:
                return load_encoder(settings.model, backend=settings.backend, cache_dir=settings.cache_dir,
                                    batch_size=settings.batch_size, threads=settings.threads)
        return cls(engine=engine, index_dir=default_index_dir(settings), model_id=model_id,
                   encoder_factory=factory, index_params=index_params(settings, index_dir=default_index_dir(settings)))

    @property
    def milvus(self) -> bool:
        """Whether the views live in Milvus (``CCIMATCH_VECTOR_ENGINE=milvus``): then there is no FAISS file store
        (no published snapshot, no splicing); each catalogue version gets its collections (embeddings.index_factory)."""
        return self._index_params.get("engine") == "milvus"

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = self._encoder_factory()
            if self._encoder.model_id != self.model_id:
                raise RuntimeError(f"encoder {self._encoder.model_id} is not the configured {self.model_id}")
        return self._encoder

    # --- reading ---------------------------------------------------------------------------
    def state(self, *, with_index: bool = True) -> State:
        """Current profiles, arrays and (if asked) indexes, reloaded when the database changed.

        A new state is built aside and swapped in with one assignment, so a reader holding the
        previous one never sees a half-updated index; rebuilds are serialised by the write lock. The
        version and the profiles are read in one snapshot, so an index is never labelled with a version
        whose content it does not hold (another process may write between two separate reads).

        In order: the published snapshot of this version, memory-mapped (:meth:`_published`); the base state
        with the rows changed since spliced in (:meth:`_spliced`); a full load from the database.
        """
        version = repo.catalogue_version(self.engine)
        current = self._state
        if current is not None and current.version == version and (current.indexes or not with_index):
            return current
        with self.lock:
            current = self._state
            if current is None or current.version != repo.catalogue_version(self.engine):
                current = self._published(repo.catalogue_version(self.engine)) or self._spliced()
                if current is not None:
                    self.rebuilt = False
                else:
                    version, profiles = repo.load_catalogue(self.engine)
                    current = State(version=version, profiles=profiles,
                                    arrays=CatalogueArrays.from_profiles(profiles), names=[p.name for p in profiles])
            if with_index and not current.indexes:
                ids = current.arrays.ids.tolist()
                loaded = None if self.milvus else load_indexes(self.index_dir, model_id=self.model_id, ids=ids,
                                                               catalogue_version=current.version, **self._index_params)
                self.rebuilt = loaded is None
                if loaded is not None:  # saved before snapshots existed: publish one beside it (files linked)
                    self._save(current, loaded, must_save=False)
                current = State(version=current.version, profiles=current.profiles, arrays=current.arrays,
                                names=current.names,
                                indexes=loaded if loaded is not None else self._build_indexes(current))
            self._state = current
            if current.indexes and not current.delta_rows:
                self._base = current
            return current

    def _spliced(self) -> State | None:
        """The state now, from the base state (the newest published one, or the last one this process loaded
        in full) and the profiles changed since (:mod:`.incremental`); None when there is no base, too much
        changed or the splice failed (logged: the caller then loads in full). None with Milvus (the next version's
        collections are built from a full load)."""
        if self.milvus:
            return None
        try:
            return self._splice()
        except Exception:
            log.warning("could not splice the changes into the index; loading the catalogue in full", exc_info=True)
            return None

    def _splice(self) -> State | None:
        base = self._base
        peek = published_manifest(self.index_dir)  # map a newer published base only (a compaction's)
        if peek is not None and (base is None or peek.catalogue_version > base.version):
            newer = self._published(repo.catalogue_version(self.engine), older=True)
            if newer is not None and (base is None or newer.version > base.version):
                base = self._base = newer
        if base is None:
            return None
        version, changed, deleted = repo.changes_since(self.engine, base.version)
        if version == base.version:
            return base
        if version < base.version:  # not the database the base was read from (restored from a backup?)
            return None
        if not changed and not deleted:  # the version moved without a profile change (e.g. a no-op delete)
            return replace(base, version=version)
        done = splice(profiles=base.profiles, arrays=base.arrays, names=base.names, indexes=base.indexes,
                      changed=changed, deleted=deleted,
                      index_rows=lambda rows: self._index_rows(rows, dim=base.indexes["overall"].dim))
        if done is None:
            return None
        st = State(version=version, profiles=done.profiles, arrays=done.arrays, names=done.names,
                   indexes=done.indexes, delta_rows=done.delta_rows)
        if done.delta_rows >= COMPACT_ROWS:
            self._compact_soon(st)
        elif self._compact_timer is None or not self._compact_timer.is_alive():
            # a few writes: compact a while later anyway (a spliced index is scanned without the int8 pre-scan)
            self._compact_timer = threading.Timer(COMPACT_AFTER_SECONDS, _compact_current, [weakref.ref(self)])
            self._compact_timer.daemon = True
            self._compact_timer.start()
        return st


    def compact(self, st: State | None = None) -> None:
        """Publish ``st`` (default: the current state) in full: its indexes streamed into flat index files and
        its snapshot, so that processes map it instead of splicing an ever larger delta. Runs without the lock
        (the state is immutable); other processes pick it up at their next version change."""
        st = st or self.state()
        self.index_dir.mkdir(exist_ok=True)
        with (self.index_dir / ".compact.lock").open("a") as lock:
            try:  # one compaction per machine at a time: N workers past the threshold write one copy, not N
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            self._save(st, dict(st.indexes), must_save=True)

    def _compact_soon(self, st: State) -> None:
        """:meth:`compact` in a background thread, one at a time per process."""
        if self._compacting is not None and self._compacting.is_alive():
            return

        def run() -> None:
            try:
                self.compact(st)
            except Exception:
                log.exception("compacting the index of catalogue version %s failed", st.version)

        self._compacting = threading.Thread(target=run, name="ccimatch-compact", daemon=True)
        self._compacting.start()

    def _published(self, version: int, *, older: bool = False) -> State | None:
        """The state of ``version`` (``older``: of the newest version up to it) from the saved snapshot and
        indexes (memory-mapped), if there is one saved from this database; profiles are decoded when asked for.
        None with Milvus (nothing is published: the snapshot is saved with the FAISS files)."""
        if self.milvus:
            return None
        found = load_published(self.index_dir, model_id=self.model_id, catalogue_version=version, older=older,
                               database=self.database_uid, snapshot_format=snapshot.FORMAT, **self._index_params)
        if found is None or found.folder in self._damaged:
            return None
        try:
            arrays = snapshot.arrays_of(found.columns, (found.manifest.snapshot or {})["kinds"])
        except (TypeError, ValueError, KeyError):  # written by another version of the code
            return None
        profiles = snapshot.LazyProfiles(found.columns[snapshot.RECORDS], found.columns[snapshot.OFFSETS])
        if len(arrays) != found.manifest.rows or len(profiles) != len(arrays):
            return None
        st = State(version=found.manifest.catalogue_version, profiles=profiles,
                   arrays=arrays, names=found.names, indexes=found.indexes)
        if not found.verified:
            threading.Thread(target=self._verify, args=(found, st), name="ccimatch-verify", daemon=True).start()
        return st

    def _verify(self, found: Published, st: State) -> None:
        """Compare the checksums of a large published folder after serving from it: on a mismatch (a damaged
        disk) the state is dropped and the next call reloads from the database and publishes afresh."""
        with contextlib.suppress(OSError, AttributeError):  # Linux: this thread only, at the lowest priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        if store.verify(found.folder, found.manifest):
            store.mark_verified(found.folder)
            return
        log.error("the published index %s does not match its checksums; rebuilding from the database", found.folder)
        with self.lock:
            self._damaged.add(found.folder)
            if self._state is st or self._base is st:  # the state, or the base the current state was spliced on
                self._state = self._base = None

    @property
    def database_uid(self) -> str:
        if self._database_uid is None:
            self._database_uid = repo.database_uid(self.engine)
        return self._database_uid

    def graph_state(self, st: State) -> GraphState:
        """The relationship graph over ``st``'s rows, the dismissals and the usable ranking model
        (:mod:`.graph_state`), rebuilt when the catalogue, the relationships or the saved model changed (three
        small queries per call to know; measured in bench/learned.py); after profile writes only, from the
        previous one and the profiles changed since."""
        key = (st.version, relationships_version(self.engine), latest_model_id(self.engine))
        current = self._graph
        if current is not None and current.key == key:
            return current
        with self.lock:
            current = self._graph
            if current is None or current.key != key:
                current = build_graph_state(self.engine, st, key, previous=current)
                self._graph = current
            return current

    def profile(self, profile_id: str) -> Profile:
        """The stored profile with this id; :class:`UnknownProfileError` if none."""
        found = self.find(profile_id)
        if found is None:
            raise UnknownProfileError(f"no profile with id {profile_id!r}")
        return found

    def find(self, profile_id: str) -> Profile | None:
        st = self.state(with_index=False)
        row = st.row_of(profile_id)
        return None if row is None else st.profiles[row]

    def embed(self, texts: Sequence[str], *, role: Role = "passage", show_progress: bool = False
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(cached, new) vectors keyed by text hash; new ones are encoded, not yet stored."""
        hashes = {repo.text_hash(role, t): t for t in texts}
        cached = repo.cached_vectors(self.engine, self.model_id, hashes)
        missing = sorted(t for h, t in hashes.items() if h not in cached)
        if not missing:
            return cached, {}
        fresh = self.encoder.encode(missing, role=role, show_progress=show_progress)
        return cached, {repo.text_hash(role, t): v for t, v in zip(missing, fresh, strict=True)}

    def vectors(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        """(len(texts), d) vectors through the cache; new ones are encoded and stored."""
        if not texts:
            return np.zeros((0, 0), np.float32)
        cached, new = self.embed(texts, role=role)
        repo.store_vectors(self.engine, self.model_id, new)
        cached.update(new)
        return np.stack([cached[repo.text_hash(role, t)] for t in texts])

    def _build_indexes(self, st: State, *, must_save: bool = False) -> dict[str, VectorIndex]:
        """Rebuild every index from the cached embeddings and save it beside the database: one row per
        profile for each view (zeros where a view is empty), one row per item for offers and needs.

        A failed save is logged and the indexes are served from memory (they are correct; other processes
        rebuild their own), unless ``must_save`` (``ccimatch index rebuild``), where it is the error. With Milvus,
        each view is a collection of ``st``'s version (:func:`~embeddings.index_factory.build_index`), nothing saved."""
        if self.milvus:
            return {name: build_index(matrix, view=name, catalogue_version=st.version, arrays=st.arrays,
                                      **self._index_params)
                    for name, matrix in self._view_matrices(st.profiles).items()}
        indexes: dict[str, VectorIndex] = dict(self._index_rows(st.profiles))
        self._save(st, indexes, must_save=must_save)
        return indexes

    def _index_rows(self, profiles: Sequence[Profile], *, dim: int | None = None) -> dict[str, FaissIndex]:
        """The indexes of ``profiles``' rows from the cached embeddings (new ones encoded and stored); ``dim``
        when known (no encoder is needed for an empty list)."""
        return {name: FaissIndex(matrix, **self._index_params)
                for name, matrix in self._view_matrices(profiles, dim=dim).items()}

    def _view_matrices(self, profiles: Sequence[Profile], *, dim: int | None = None) -> dict[str, np.ndarray]:
        """Each view's rows (n, d) of ``profiles`` from the cached embeddings (new ones encoded and stored)."""
        columns = {v: [p.view_texts()[v] for p in profiles] for v in VIEWS}
        columns |= {f"{side}_items": [t for p in profiles for t in getattr(p, side)] for side in ITEM_SIDES}
        cached, new = self.embed([t for col in columns.values() for t in col if t])
        repo.store_vectors(self.engine, self.model_id, new)
        cached.update(new)
        dim = next(iter(cached.values())).shape[0] if cached else dim or self.encoder.dim
        matrices = {}
        for name, col in columns.items():
            matrix = np.zeros((len(col), dim), np.float32)
            for row, text in enumerate(col):
                if text:
                    matrix[row] = cached[repo.text_hash("passage", text)]
            matrices[name] = matrix
        return matrices

    def _save(self, st: State, indexes: Mapping[str, FaissIndex | VectorIndex], *, must_save: bool) -> None:
        """Publish ``indexes`` and ``st``'s columnar snapshot (the next process maps them instead of reading
        every profile). A failed save is logged, unless ``must_save``. Nothing with Milvus (the collections are
        the index; the database the rest)."""
        if self.milvus:
            return
        try:
            try:
                columns, kinds = snapshot.columns_of(st.arrays)
                columns |= snapshot.records_of(st.profiles)
            except TypeError:
                log.exception("no snapshot layout for these catalogue arrays; the index is saved without one")
                columns, kinds = {}, {}
            save_indexes(self.index_dir, indexes, model_id=self.model_id, dim=next(iter(indexes.values())).dim,
                         ids=st.arrays.ids.tolist(), catalogue_version=st.version,
                         columns=columns or None, kinds=kinds or None, names=list(st.names),
                         database=self.database_uid, snapshot_format=snapshot.FORMAT,
                         before_publish=lambda folder: write_codes(folder, indexes))
        except Exception:
            if must_save:
                raise
            log.exception("could not save the index of catalogue version %s in %s; serving it from memory",
                          st.version, self.index_dir)

    def rebuild_index(self) -> None:
        with self.lock:
            st = self.state(with_index=False)
            self._state = State(version=st.version, profiles=st.profiles, arrays=st.arrays, names=st.names,
                                indexes=self._build_indexes(st, must_save=True))
            self._base = self._state
            self.rebuilt = True

    def refresh_after_write(self) -> None:
        """Rebuild and save the index now, so the next reader finds it fresh. The write is committed
        already: a failure here is logged, never reported as the write's failure (a client told "not
        applied" would retry a write that was), and the next :meth:`state` call rebuilds."""
        try:
            self.state()
        except Exception:
            log.exception("a committed write left the index stale; the next request rebuilds it")

    def readiness(self) -> dict[str, Any]:
        """Model loaded, index loaded and as new as the database."""
        st = self._state
        fresh = st is not None and bool(st.indexes) and st.version == repo.catalogue_version(self.engine)
        return {"ready": fresh and self._encoder is not None, "profiles": len(st.profiles) if st else 0,
                "model_id": self.model_id, "index_fresh": fresh}

    def stats(self) -> dict[str, Any]:
        st = self.state(with_index=False)
        return {"profiles": len(st.profiles), **st.arrays.counts()}


def _compact_current(ref: weakref.ref[Catalogue]) -> None:
    """The compaction timer's work: the catalogue's current state, if it is still spliced (and still exists:
    the timer holds no reference to it)."""
    cat = ref()
    if cat is None or not cat.index_dir.parent.is_dir():
        return
    try:
        st = cat.state()  # waits for the splice that started the timer to be served
    except Exception:
        log.warning("the compaction timer could not read the catalogue", exc_info=True)
        return
    if st.delta_rows:
        cat._compact_soon(st)
