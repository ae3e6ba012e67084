"""Quality reports of profiles (:mod:`matcher.quality`): of a stored profile, of a draft (a form being sent), and
the catalogue's weakest profiles.

Not stored: the database's profiles stay the only source of truth, and a report is derived from them when asked
(after an ingest or an edit it is therefore the report of what was written). The rules cost under a millisecond
per profile (0.8 ms measured on the sample and on CORDIS-derived profiles, 2 cores at load average 7); twins need
the whole catalogue, so the name and text signatures and the twin pairs are computed once per catalogue version
and kept while that version is current, never longer (0.1 s for the 358 sample profiles; 7.7 s of signatures and
3.9 s of pairs for 16,756 CORDIS-derived ones, same load), so the first report after a write to a large catalogue
waits for them; ``weakest`` also runs the rules on every profile (13 s for those 16,756), once per version too."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.duplicates import minhash, name_shingles, profile_text, text_shingles, twin_pairs, twins_of
from matcher.errors import InvalidValueError
from matcher.profile import Profile
from matcher.quality import QualityReport, assess
from service.catalogue.index import Catalogue

MAX_WEAKEST = 1000
_K = 64  # MinHash size of both signatures
_NAME_SEED, _TEXT_SEED = 1, 2


@dataclass(frozen=True, kw_only=True)
class _Twins:
    version: int
    ids: tuple[str, ...]
    countries: tuple[str, ...]
    name_sigs: np.ndarray
    text_sigs: np.ndarray
    of: dict[str, tuple[str, ...]]  # profile id -> its twins' ids


_CACHE: weakref.WeakKeyDictionary[Catalogue, _Twins] = weakref.WeakKeyDictionary()
_REPORTS: weakref.WeakKeyDictionary[Catalogue, tuple[int, list[QualityReport]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _signatures(profiles: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
    names = minhash([name_shingles(p.name) for p in profiles], k=_K, seed=_NAME_SEED)
    texts = minhash([text_shingles(profile_text(p.description, p.offers, p.needs)) for p in profiles], k=_K,
                    seed=_TEXT_SEED)
    return names, texts


def _twins(cat: Catalogue) -> _Twins:
    """The catalogue's twin pairs as of its current version (computed once per version)."""
    st = cat.state(with_index=False)
    with _LOCK:
        cached = _CACHE.get(cat)
        if cached is not None and cached.version == st.version:
            return cached
        profiles = list(st.profiles)
        name_sigs, text_sigs = _signatures(profiles)
        countries = tuple(p.country for p in profiles)
        pairs = twin_pairs(countries, name_sigs, text_sigs)
        of: dict[str, list[str]] = {}
        for i, j in zip(pairs.i.tolist(), pairs.j.tolist(), strict=True):
            of.setdefault(profiles[i].id, []).append(profiles[j].id)
            of.setdefault(profiles[j].id, []).append(profiles[i].id)
        built = _Twins(version=st.version, ids=tuple(p.id for p in profiles), countries=countries,
                       name_sigs=name_sigs, text_sigs=text_sigs, of={k: tuple(sorted(v)) for k, v in of.items()})
        _CACHE[cat] = built
        return built


def profile_quality(cat: Catalogue, profile_id: str) -> QualityReport:
    """The report of a stored profile; :class:`UnknownProfileError` if there is none."""
    profile = cat.profile(profile_id)
    return assess(profile, twins=_twins(cat).of.get(profile.id, ()))


def draft_quality(cat: Catalogue, profile: Profile) -> QualityReport:
    """The report of a profile as sent (a registration or an edit waiting for an editor), its twins looked up
    among the stored profiles other than itself."""
    twins = _twins(cat)
    name_sigs, text_sigs = _signatures([profile])
    rows = twins_of(profile.country, name_sigs[0], text_sigs[0], twins.countries, twins.name_sigs, twins.text_sigs)
    return assess(profile, twins=[twins.ids[r] for r in rows.tolist() if twins.ids[r] != profile.id])


def catalogue_quality(cat: Catalogue) -> list[QualityReport]:
    """Every stored profile's report, by id (computed once per catalogue version)."""
    twins = _twins(cat)
    cached = _REPORTS.get(cat)
    if cached is not None and cached[0] == twins.version:
        return cached[1]
    profiles = cat.state(with_index=False).profiles
    if tuple(p.id for p in profiles) != twins.ids:  # written meanwhile: the next call catches up
        return [assess(p, twins=twins.of.get(p.id, ())) for p in profiles]
    reports = [assess(p, twins=twins.of.get(p.id, ())) for p in profiles]
    _REPORTS[cat] = (twins.version, reports)
    return reports


def weakest(cat: Catalogue, n: int) -> list[QualityReport]:
    """The ``n`` profiles with the lowest scores (ties by id), only those with findings."""
    if not 1 <= n <= MAX_WEAKEST:
        raise InvalidValueError("weakest", str(n), f"must be 1 to {MAX_WEAKEST}")
    reports = [r for r in catalogue_quality(cat) if r.findings]
    return sorted(reports, key=lambda r: (r.score, r.profile_id))[:n]
