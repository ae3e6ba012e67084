"""The catalogue application service: profiles in the database, their vectors, and the derived
per-view indexes. The CLI and the HTTP service call these functions; the ranking stays in matcher."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from embeddings.index_exact import ExactIndex
from embeddings.index_faiss import FaissIndex
from embeddings.store import load_indexes, save_indexes
from matcher.clusters import ClusterParams, Focus, Member, extend_cluster, seed_cluster
from matcher.constraints import ITEM_SIDES, CatalogueArrays, Constraints, UnitLayout, constraint_mask
from matcher.explain import Evidence, Suggestion, admitted_by, best_pair, reason, sector_phrase
from matcher.profile import VIEWS, FieldError, Profile, error_report, validate_record
from matcher.protocols import Encoder, Role
from matcher.ranking import COMPONENTS, Asker, MatrixSimilarity, RankingParams, asker_constraints, rank
from matcher.text import text_problem
from service.settings import Settings
from storage import repository as repo
from storage.db import database_url, open_database

log = logging.getLogger("ccimatch.catalogue")


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    id: str
    name: str
    kind: str
    country: str
    city: str
    sectors: tuple[str, ...]
    score: float


@dataclass(frozen=True, kw_only=True)
class IngestReport:
    records: int
    inserted: int
    updated: int
    errors: tuple[FieldError, ...]
    atomic: bool
    encoded: int  # texts sent to the encoder
    reused: int  # texts found in the embedding cache

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records, "written": self.written, "inserted": self.inserted,
            "updated": self.updated, "rejected_rows": len({(e.row, e.record_id) for e in self.errors}),
            "atomic": self.atomic, "encoded_texts": self.encoded, "cached_texts": self.reused,
            **error_report(self.errors),
        }


class UnknownProfileError(LookupError):
    """No profile with this id."""


class ConflictError(ValueError):
    """A profile with this id already exists."""


class InvalidRequestError(ValueError):
    """A request that cannot be served as asked (e.g. a role mix larger than the cluster)."""


class InvalidRecordError(ValueError):
    """A record failed validation; ``errors`` say which field and why."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = tuple(errors)


def check_text(field: str, value: str, *, multiline: bool = True) -> None:
    """:class:`InvalidRequestError` naming the field and the character if ``value`` holds one that no text may."""
    problem = text_problem(value, multiline=multiline, bidi=multiline)
    if problem is not None:
        raise InvalidRequestError(f"field {field!r}: {problem}")


@dataclass(frozen=True, kw_only=True)
class Draft:
    """A profile being written (or a free-text search): what it is, offers and needs."""

    text: str
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    country: str | None = None
    sectors: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    partnership_types: tuple[str, ...] = ()

    def check(self) -> None:
        """A draft typed by a user holds no character that no text may (drafts of stored profiles are not
        checked: a stored value is shown, never refused)."""
        check_text("text", self.text)
        for side in ("offers", "needs"):
            for item in getattr(self, side):
                check_text(side, item)


@dataclass(frozen=True, kw_only=True)
class SuggestionList:
    query: dict[str, Any]
    eligible: int
    suggestions: tuple[Suggestion, ...]
    cap_relaxed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "eligible": self.eligible, "cap_relaxed": self.cap_relaxed,
                "suggestions": [s.to_dict() for s in self.suggestions]}


@dataclass(kw_only=True)
class _State:
    version: int
    profiles: list[Profile]
    arrays: CatalogueArrays
    indexes: dict[str, FaissIndex] = field(default_factory=dict)


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
        self._state: _State | None = None
        self._lock = threading.RLock()  # serialises writers and index rebuilds
        self.rebuilt = False  # whether the last refresh had to rebuild the index
        self._names_cache: tuple[list[Profile], list[str]] | None = None  # see _names

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
                   encoder_factory=factory,
                   index_params={"approx_threshold": settings.approx_threshold, "approx": settings.approx,
                                 "nprobe": settings.nprobe, "ef_search": settings.ef_search})

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = self._encoder_factory()
            if self._encoder.model_id != self.model_id:
                raise RuntimeError(f"encoder {self._encoder.model_id} is not the configured {self.model_id}")
        return self._encoder

    # --- reading ---------------------------------------------------------------------------
    def state(self, *, with_index: bool = True) -> _State:
        """Current profiles, arrays and (if asked) indexes, reloaded when the database changed.

        A new state is built aside and swapped in with one assignment, so a reader holding the
        previous one never sees a half-updated index; rebuilds are serialised by the write lock. The
        version and the profiles are read in one snapshot, so an index is never labelled with a version
        whose content it does not hold (another process may write between two separate reads).
        """
        version = repo.catalogue_version(self.engine)
        current = self._state
        if current is not None and current.version == version and (current.indexes or not with_index):
            return current
        with self._lock:
            current = self._state
            if current is None or current.version != repo.catalogue_version(self.engine):
                version, profiles = repo.load_catalogue(self.engine)
                current = _State(version=version, profiles=profiles, arrays=CatalogueArrays.from_profiles(profiles))
            if with_index and not current.indexes:
                ids = current.arrays.ids.tolist()
                loaded = load_indexes(self.index_dir, model_id=self.model_id, ids=ids,
                                      catalogue_version=current.version, **self._index_params)
                self.rebuilt = loaded is None
                current = _State(version=current.version, profiles=current.profiles, arrays=current.arrays,
                                 indexes=loaded if loaded is not None else self._build_indexes(current))
            self._state = current
            return current

    def _embed(self, texts: Sequence[str], *, role: Role = "passage", show_progress: bool = False
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
        cached, new = self._embed(texts, role=role)
        repo.store_vectors(self.engine, self.model_id, new)
        cached.update(new)
        return np.stack([cached[repo.text_hash(role, t)] for t in texts])

    def _build_indexes(self, st: _State, *, must_save: bool = False) -> dict[str, FaissIndex]:
        """Rebuild every index from the cached embeddings and save it beside the database: one row per
        profile for each view (zeros where a view is empty), one row per item for offers and needs.

        A failed save is logged and the indexes are served from memory (they are correct; other processes
        rebuild their own), unless ``must_save`` (``ccimatch index rebuild``), where it is the error."""
        columns = {v: [p.view_texts()[v] for p in st.profiles] for v in VIEWS}
        columns |= {f"{side}_items": [t for p in st.profiles for t in getattr(p, side)] for side in ITEM_SIDES}
        cached, new = self._embed([t for col in columns.values() for t in col if t])
        repo.store_vectors(self.engine, self.model_id, new)
        cached.update(new)
        dim = next(iter(cached.values())).shape[0] if cached else self.encoder.dim
        indexes = {}
        for name, col in columns.items():
            matrix = np.zeros((len(col), dim), np.float32)
            for row, text in enumerate(col):
                if text:
                    matrix[row] = cached[repo.text_hash("passage", text)]
            indexes[name] = FaissIndex(matrix, **self._index_params)
        try:
            save_indexes(self.index_dir, indexes, model_id=self.model_id, dim=dim,
                         ids=st.arrays.ids.tolist(), catalogue_version=st.version)
        except Exception:
            if must_save:
                raise
            log.exception("could not save the index of catalogue version %s in %s; serving it from memory",
                          st.version, self.index_dir)
        return indexes

    def rebuild_index(self) -> None:
        with self._lock:
            st = self.state(with_index=False)
            self._state = _State(version=st.version, profiles=st.profiles, arrays=st.arrays,
                                 indexes=self._build_indexes(st, must_save=True))
            self.rebuilt = True

    # --- writing ---------------------------------------------------------------------------
    def ingest(self, records: Sequence[Mapping[str, Any]], *, atomic: bool = False,
               show_progress: bool = False) -> IngestReport:
        """Validate every record; write the good ones (or none if ``atomic`` and any is bad)."""
        good: list[Profile] = []
        errors: list[FieldError] = []
        first_row: dict[str, int] = {}
        for row, raw in enumerate(records, 1):
            profile, errs = validate_record(raw, row=row)
            if profile is not None and profile.id in first_row:
                errs = [FieldError(row=row, record_id=profile.id, field="id", value=profile.id,
                                   reason=f"duplicate id in this file (first on row {first_row[profile.id]})")]
                profile = None
            errors.extend(errs)
            if profile is not None:
                first_row[profile.id] = row
                good.append(profile)
        if not good or (atomic and errors):
            return IngestReport(records=len(records), inserted=0, updated=0, errors=tuple(errors),
                                atomic=atomic, encoded=0, reused=0)
        updated, encoded, reused = self._write(good, show_progress=show_progress)
        return IngestReport(records=len(records), inserted=len(good) - updated, updated=updated,
                            errors=tuple(errors), atomic=atomic, encoded=encoded, reused=reused)

    def _write(self, profiles: Sequence[Profile], *, create_only: bool = False, show_progress: bool = False
               ) -> tuple[int, int, int]:
        """Encode the texts the cache lacks, write the profiles in one transaction, then bring the index up
        to date. Returns (updated, encoded, reused): "updated" counts ids the database already held when
        the write ran (exact even when another process wrote them meanwhile)."""
        texts = [t for p in profiles for t in (*p.view_texts().values(), *p.offers, *p.needs) if t]
        cached, new = self._embed(texts, show_progress=show_progress)
        with self._lock:
            existed = repo.write_profiles(self.engine, profiles, model_id=self.model_id, vectors=new,
                                          create_only=create_only)
            self._refresh_after_write()
        return len(existed), len(new), len(cached)

    def _refresh_after_write(self) -> None:
        """Rebuild and save the index now, so the next reader finds it fresh. The write is committed
        already: a failure here is logged, never reported as the write's failure (a client told "not
        applied" would retry a write that was), and the next :meth:`state` call rebuilds."""
        try:
            self.state()
        except Exception:
            log.exception("a committed write left the index stale; the next request rebuilds it")

    def create(self, record: Mapping[str, Any]) -> Profile:
        """Add one profile; :class:`ConflictError` if the id exists, :class:`InvalidRecordError` if bad.
        The database decides (a plain INSERT), so two processes creating one id get one success, one 409."""
        profile, errors = validate_record(record)
        if profile is None:
            raise InvalidRecordError(errors)
        conflict = ConflictError(f"a profile with id {profile.id!r} already exists")
        if self._find(profile.id) is not None:  # known here already: no need to encode anything
            raise conflict
        try:
            self._write([profile], create_only=True)
        except repo.ExistingProfileError:
            raise conflict from None
        return profile

    def put(self, record: Mapping[str, Any]) -> Profile:
        """Create or replace one profile; searchable (with its new text) on return."""
        profile, errors = validate_record(record)
        if profile is None:
            raise InvalidRecordError(errors)
        self.ingest([record], atomic=True)
        return profile

    def patch(self, profile_id: str, changes: Mapping[str, Any]) -> Profile:
        """Change some fields of an existing profile (the id cannot change)."""
        with self._lock:
            current = self.profile(profile_id)
            if "id" in changes and changes["id"] != profile_id:
                raise InvalidRecordError([FieldError(row=None, record_id=profile_id, field="id",
                                                     value=str(changes["id"]), reason="the id cannot change")])
            return self.put({**current.to_record(private=True), **changes})

    def delete(self, profile_id: str) -> None:
        """Delete one profile; :class:`UnknownProfileError` if absent (or deleted meanwhile elsewhere)."""
        self.profile(profile_id)
        with self._lock:
            if not repo.delete_profiles(self.engine, [profile_id]):
                raise UnknownProfileError(f"no profile with id {profile_id!r}")
            self._refresh_after_write()

    def browse(self, *, country: str | None = None, sector: str | None = None, kind: str | None = None,
             q: str | None = None, limit: int = 50, cursor: str | None = None) -> tuple[list[Profile], str | None]:
        """Profiles by id, filtered; ``cursor`` is the last id of the previous page. Returns the page
        and the next cursor (None at the end)."""
        check_text("q", q or "", multiline=False)
        st = self.state(with_index=False)
        start = int(np.searchsorted(st.arrays.ids, cursor, side="right")) if cursor else 0
        needle = q.casefold() if q else None
        page: list[Profile] = []
        for p in st.profiles[start:]:
            if (country and p.country != country) or (sector and sector not in p.sectors) or (kind and p.kind != kind):
                continue
            if needle and needle not in f"{p.name} {p.description}".casefold():
                continue
            if len(page) == limit:
                return page, page[-1].id
            page.append(p)
        return page, None

    def _find(self, profile_id: str) -> Profile | None:
        try:
            return self.profile(profile_id)
        except UnknownProfileError:
            return None

    # --- queries ---------------------------------------------------------------------------
    def search(self, text: str, *, k: int = 10, constraints: Constraints | None = None,
               view: str = "overall") -> tuple[list[SearchHit], int]:
        """Profiles whose ``view`` best matches free text, under hard constraints.

        Returns the hits and the number of eligible profiles (so a short list can be explained).
        """
        st = self.state()
        allowed = constraint_mask(constraints or Constraints(), st.arrays) & st.arrays.has_view[view]
        query = self.encoder.encode([text], role="query")
        scores, rows = st.indexes[view].search(query, k, allowed)
        hits = []
        for score, row in zip(scores[0], rows[0], strict=True):
            if row < 0:
                break
            p = st.profiles[row]
            hits.append(SearchHit(id=p.id, name=p.name, kind=p.kind, country=p.country, city=p.city,
                                  sectors=p.sectors, score=float(score)))
        return hits, int(allowed.sum())

    @staticmethod
    def _row(profile_id: str, st: _State) -> int:
        return int(np.searchsorted(st.arrays.ids, profile_id))

    def profile(self, profile_id: str) -> Profile:
        st = self.state(with_index=False)
        row = int(np.searchsorted(st.arrays.ids, profile_id))
        if row >= len(st.profiles) or st.profiles[row].id != profile_id:
            raise UnknownProfileError(f"no profile with id {profile_id!r}")
        return st.profiles[row]

    def suggest(self, who: str | Draft, *, k: int = 10, constraints: Constraints | None = None,
                allow_same_country: bool = False, shared_language: bool = False,
                prefer_countries: frozenset[str] = frozenset(), params: RankingParams | None = None,
                exhaustive: bool = False) -> SuggestionList:
        """Partners for a stored profile (by id) or a draft, ranked and explained (see matcher.ranking)."""
        st = self.state()
        if isinstance(who, str):
            me: Profile | None = _profile_in(st, who)
            draft = _draft_of(me)  # type: ignore[arg-type]
        else:
            who.check()
            me, draft = None, who
        # one cache lookup and one encoder batch for all of the asker's texts
        encoded = self.vectors(_asker_texts(draft), role="query")
        return _suggest_on(st, self._names(st), me, draft, encoded, k=k, constraints=constraints or Constraints(),
                           allow_same_country=allow_same_country, shared_language=shared_language,
                           prefer_countries=prefer_countries, params=params, exhaustive=exhaustive)

    def suggest_many(self, ids: Sequence[str], *, k: int | Mapping[str, int] = 10,
                     constraints: Constraints | Mapping[str, Constraints] | None = None,
                     allow_same_country: bool = False, shared_language: bool = False,
                     params: RankingParams | None = None) -> dict[str, SuggestionList]:
        """``suggest(id, ...)`` for many stored profiles at once (an event's participants): the same
        suggestions, ids, order and scores, as one call per profile, for a fraction of the cost.

        ``k`` and ``constraints`` are one value for all, or one per id. When every asker's constraints
        restrict the candidates with ``only_ids``, ranking runs on the sub-catalogue of the union of those
        ids (rows keep their relative order, so calibration samples and tie-breaks are unchanged). Ids
        not in the catalogue are left out of the result.
        """
        st = self.state()
        askers = {pid: p for pid in dict.fromkeys(ids) if (p := _profile_or_none(st, pid)) is not None}
        if not askers:
            return {}
        per: dict[str, Constraints] = (
            {pid: constraints.get(pid, Constraints()) for pid in askers} if isinstance(constraints, Mapping)
            else dict.fromkeys(askers, constraints or Constraints()))
        drafts = {pid: _draft_of(p) for pid, p in askers.items()}
        texts = [t for d in drafts.values() for t in _asker_texts(d)]
        encoded = self.vectors(texts, role="query")  # one cache lookup for every asker
        sub = _restricted(st, per.values())
        if sub is not st:  # restricting to every row of the sub-catalogue is no restriction there
            every = frozenset(p.id for p in sub.profiles)
            per = {pid: replace(c, only_ids=frozenset()) if c.only_ids >= every else c for pid, c in per.items()}
        names = self._names(sub) if sub is st else [p.name for p in sub.profiles]
        # per asker: where its overall, offers and needs query vectors sit in ``encoded``
        spans, at = {}, 0
        for pid, draft in drafts.items():
            spans[pid] = (at, at + 1, at + 1 + len(draft.offers), at + len(_asker_texts(draft)))
            at = spans[pid][3]
        matrices = _similarity_matrices(sub, encoded, spans) if sub is not st else None
        out: dict[str, SuggestionList] = {}
        n_offers = n_needs = 0  # rows of the askers before this one in matrices["offers"] / ["needs"]
        for i, (pid, draft) in enumerate(drafts.items()):
            a, b, c, e = spans[pid]
            kk = k.get(pid, 10) if isinstance(k, Mapping) else k
            similarity = None if matrices is None else MatrixSimilarity(
                _asker_of(askers[pid], encoded[a:e]), sub.indexes, {
                ("overall", "overall"): matrices["overall"][i : i + 1],
                ("offers", "needs_items"): matrices["offers"][n_offers : n_offers + c - b],
                ("needs", "offers_items"): matrices["needs"][n_needs : n_needs + e - c]})
            n_offers, n_needs = n_offers + c - b, n_needs + e - c
            out[pid] = _suggest_on(sub, names, askers[pid], draft, encoded[a:e], k=kk,
                                   constraints=per[pid], allow_same_country=allow_same_country,
                                   shared_language=shared_language, prefer_countries=frozenset(), params=params,
                                   exhaustive=False, similarity=similarity)
        return out

    def _names(self, st: _State) -> list[str]:
        """The catalogue's names (n,), built once per loaded state (not per query)."""
        cached = self._names_cache
        if cached is None or cached[0] is not st.profiles:
            cached = (st.profiles, [p.name for p in st.profiles])
            self._names_cache = cached
        return cached[1]

    def seed_cluster(self, *, size: int, sectors: tuple[str, ...] = (), theme: str | None = None,
                     countries: frozenset[str] = frozenset(), min_countries: int = 1,
                     require: Mapping[str, int] | None = None, anchors: Sequence[str] = ()) -> dict[str, Any]:
        """A proposed cluster (see matcher.clusters): members with roles and reasons, cohesion,
        sectors covered, alternatives per slot, and any constraint that could not be met."""
        if not sectors and not theme and not anchors:
            raise InvalidRequestError("give a focus: sectors, a theme or anchor members")
        check_text("theme", theme or "")
        st = self.state()
        rows = [int(np.searchsorted(st.arrays.ids, self.profile(a).id)) for a in anchors]
        focus = Focus(theme=self.vectors([theme], role="query")[0] if theme else None, sectors=sectors)
        params = ClusterParams(size=size, min_countries=min_countries, require=dict(require or {}))
        try:
            seeded = seed_cluster(st.arrays, st.indexes, focus, Constraints(countries=countries), params, anchors=rows)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        by_row = {m.row: m for m in seeded.members}

        def reason(m: Member) -> str:
            parts = [f"fit {m.fit:.2f} with the focus"]
            parts += [f"offers what {st.profiles[c].name} needs" for c in m.complements]
            if m.new_country:
                parts.append(f"brings {st.profiles[m.row].country}")
            return ("anchor; " if m.anchor else "") + "; ".join(parts)

        return {
            "members": [{"id": st.profiles[m.row].id, "name": st.profiles[m.row].name,
                         "country": st.profiles[m.row].country, "kind": st.profiles[m.row].kind, "role": m.role,
                         "reason": reason(m)} for m in by_row.values()],
            "cohesion": seeded.cohesion, "sectors_covered": list(seeded.sectors_covered),
            "alternatives": {st.profiles[r].id: [st.profiles[a].id for a in alts]
                             for r, alts in seeded.alternatives.items()},
            "unmet": list(seeded.unmet),
        }

    def extend_cluster(self, member_ids: Sequence[str], *, k: int = 10,
                       constraints: Constraints | None = None) -> dict[str, Any]:
        """Who, in other countries, could join the cluster made of ``member_ids``, or of the members listed
        by a kind=cluster profile when that profile's id is the only one given."""
        st = self.state()
        cluster, missing = None, []
        if len(member_ids) == 1 and self.profile(member_ids[0]).kind == "cluster":
            cluster = self.profile(member_ids[0])
            if not cluster.members:
                raise InvalidRequestError(f"cluster {cluster.id!r}: field 'members' is empty; list its members in "
                                          "the profile or give their ids")
            missing = [m for m in cluster.members if self._find(m) is None]
            member_ids = [m for m in cluster.members if m not in missing]
            if not member_ids:
                raise InvalidRequestError(f"cluster {cluster.id!r}: none of its members is in the catalogue "
                                          f"({', '.join(missing)})")
        rows = [self._row(self.profile(i).id, st) for i in member_ids]
        exclude = [self._row(cluster.id, st)] if cluster else []
        top, scores, parts = extend_cluster(st.arrays, st.indexes, rows, constraints or Constraints(), k=k,
                                            exclude=exclude)
        return {"cluster": cluster.id if cluster else None, "members": list(member_ids), "missing_members": missing,
                "candidates": [
            {"id": st.profiles[r].id, "name": st.profiles[r].name, "country": st.profiles[r].country,
             "kind": st.profiles[r].kind, "score": round(float(sc), 4),
             "components": {c: round(float(v[i]), 4) for c, v in parts.items()}}
            for i, (r, sc) in enumerate(zip(top.tolist(), scores, strict=True))]}

    def readiness(self) -> dict[str, Any]:
        """Model loaded, index loaded and as new as the database."""
        st = self._state
        fresh = st is not None and bool(st.indexes) and st.version == repo.catalogue_version(self.engine)
        return {"ready": fresh and self._encoder is not None, "profiles": len(st.profiles) if st else 0,
                "model_id": self.model_id, "index_fresh": fresh}

    def stats(self) -> dict[str, Any]:
        st = self.state(with_index=False)
        return {"profiles": len(st.profiles), **st.arrays.counts()}


# --- suggestions: private helpers -----------------------------------------------------------------
def _profile_or_none(st: _State, profile_id: str) -> Profile | None:
    row = int(np.searchsorted(st.arrays.ids, profile_id))
    return st.profiles[row] if row < len(st.profiles) and st.profiles[row].id == profile_id else None


def _profile_in(st: _State, profile_id: str) -> Profile:
    found = _profile_or_none(st, profile_id)
    if found is None:
        raise UnknownProfileError(f"no profile with id {profile_id!r}")
    return found


def _draft_of(me: Profile) -> Draft:
    return Draft(text=me.view_texts()["overall"], offers=me.offers, needs=me.needs, country=me.country,
                 sectors=me.sectors, languages=me.languages, partnership_types=me.partnership_types)


def _asker_of(me: Profile, encoded: np.ndarray) -> Asker:
    """The ranking's view of a stored asker: its query vectors (1 + offers + needs, d) split by view."""
    n_offers = len(me.offers)
    return Asker(id=me.id, country=me.country, sectors=me.sectors, languages=me.languages,
                 partnership_types=me.partnership_types, overall=encoded[0], offers=encoded[1 : 1 + n_offers],
                 needs=encoded[1 + n_offers :])


def _asker_texts(draft: Draft) -> list[str]:
    """The query-role texts of an asker, in the order :func:`_suggest_on` reads their vectors."""
    return [draft.text, *draft.offers, *draft.needs]


_RANKED_INDEXES = ("overall", "offers_items", "needs_items")  # what ranking and explanations read


def _restricted(st: _State, constraints: Iterable[Constraints]) -> _State:
    """The state restricted to the union of the ``only_ids`` of every constraint (``st`` itself if any
    constraint has none): its profiles in the same relative order, with exact in-memory indexes."""
    union: set[str] = set()
    for c in constraints:
        if not c.only_ids:
            return st
        union |= c.only_ids
    rows = np.flatnonzero(np.isin(st.arrays.ids, sorted(union)))
    profiles = [st.profiles[r] for r in rows.tolist()]
    indexes: dict[str, Any] = {"overall": ExactIndex(st.indexes["overall"].vectors(rows))}
    for side in ITEM_SIDES:
        units, _ = st.arrays.items[side].units_of(rows)
        indexes[f"{side}_items"] = ExactIndex(st.indexes[f"{side}_items"].vectors(units))
    cat = st.arrays
    arrays = CatalogueArrays(  # the full catalogue's columns sliced: no text is analysed again
        ids=cat.ids[rows], countries=cat.countries[rows], kinds=cat.kinds[rows], sectors=cat.sectors[rows],
        partnership_types=cat.partnership_types[rows], languages=cat.languages[rows],
        language_codes=cat.language_codes, has_view={v: m[rows] for v, m in cat.has_view.items()},
        items={side: UnitLayout.from_counts(layout.start[rows + 1] - layout.start[rows])
               for side, layout in cat.items.items()},
        text_language={"overall": cat.text_language["overall"][rows],
                       **{f"{side}_items": cat.text_language[f"{side}_items"][cat.items[side].units_of(rows)[0]]
                          for side in ITEM_SIDES}})
    return _State(version=st.version, profiles=profiles, arrays=arrays, indexes=indexes)


def _similarity_matrices(sub: _State, encoded: np.ndarray, spans: Mapping[str, tuple[int, int, int, int]]
                         ) -> dict[str, np.ndarray]:
    """Every asker's query vectors against every unit of the restricted catalogue, one float64 matrix
    product per channel: "overall" (askers, profiles), "offers" (all my offers, their needs items), "needs" (all my
    needs, their offers items); rows in the order of ``spans`` (asker -> overall, offers, needs bounds)."""
    take = {"overall": [], "offers": [], "needs": []}  # type: dict[str, list[int]]
    for a, b, c, e in spans.values():
        take["overall"].append(a)
        take["offers"].extend(range(b, c))
        take["needs"].extend(range(c, e))
    targets = {"overall": "overall", "offers": "needs_items", "needs": "offers_items"}
    out = {}
    for mine, target in targets.items():
        units = sub.indexes[target].vectors(np.arange(len(sub.indexes[target])))
        out[mine] = encoded[take[mine]].astype(np.float64) @ units.astype(np.float64).T
    return out


def _suggest_on(st: _State, names: list[str], me: Profile | None, draft: Draft, encoded: np.ndarray, *, k: int,
                constraints: Constraints, allow_same_country: bool, shared_language: bool,
                prefer_countries: frozenset[str], params: RankingParams | None,
                exhaustive: bool, similarity: MatrixSimilarity | None = None) -> SuggestionList:
    """Rank and explain for one asker whose query vectors ``encoded`` (1 + offers + needs, d) are known."""
    if me is not None:
        query: dict[str, Any] = {"id": me.id, "name": me.name, "country": me.country, "kind": me.kind,
                                 "sectors": list(me.sectors)}
    else:
        query = {"text": draft.text, "offers": list(draft.offers), "needs": list(draft.needs),
                 "country": draft.country}
    overall, n_offers = encoded[0], len(draft.offers)
    my_offers, my_needs = encoded[1 : 1 + n_offers], encoded[1 + n_offers :]
    asker = Asker(id=me.id if me else None, country=draft.country, sectors=draft.sectors,
                  languages=draft.languages, partnership_types=draft.partnership_types, overall=overall,
                  offers=my_offers, needs=my_needs, prefer_countries=prefer_countries)
    hard = asker_constraints(constraints, asker, allow_same_country=allow_same_country,
                             shared_language=shared_language)
    ranked = rank(asker, st.arrays, st.indexes, hard, k=k, names=names, params=params, exhaustive=exhaustive,
                  similarity=similarity)

    def their_items(side: str, row: int) -> np.ndarray:
        units, _ = st.arrays.items[side].units_of(np.array([row]))
        return st.indexes[f"{side}_items"].vectors(units)

    out = []
    for i, row in enumerate(ranked.rows.tolist()):
        them = st.profiles[row]
        evidence = [e for e in (
            best_pair(draft.needs, asker.needs, them.offers, their_items("offers", row),
                      "they offer what you need"),
            best_pair(draft.offers, asker.offers, them.needs, their_items("needs", row),
                      "you offer what they need"),
        ) if e is not None]
        if not evidence:
            evidence = [Evidence(mine=draft.text[:200], theirs=them.description[:200],
                                 similarity=round(float(ranked.raw["semantic"][i]), 4),
                                 relation="similar activity")]
        components = {c: float(ranked.components[c][i]) for c in (*COMPONENTS, "need_match", "offer_match")}
        shared = [c for c in them.languages if c in draft.languages]
        out.append(Suggestion(
            id=them.id, name=them.name, country=them.country, city=them.city, kind=them.kind,
            sectors=them.sectors, score=float(ranked.scores[i]),
            components={c: components[c] for c in COMPONENTS}, evidence=tuple(evidence),
            admitted_by=tuple(admitted_by(hard, draft.country, them)),
            reason=reason(components, evidence, sector_phrase(draft.sectors, them.sectors), shared),
        ))
    return SuggestionList(query=query, eligible=ranked.eligible, suggestions=tuple(out),
                          cap_relaxed=ranked.cap_relaxed)
