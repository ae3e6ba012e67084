"""Synthetic catalogues for the benchmarks: n profiles of realistic shape written through the storage
layer, with clustered L2-normalised vectors cached for every text the catalogue embeds, so that a
:class:`service.catalogue.Catalogue` opened on the file with the same model id builds its indexes and
answers ``suggest(id)`` without ever calling an encoder.

Shapes follow the bundled sample data: countries drawn with the sample's skewed frequencies (Morocco,
Tunisia and France most often, Luxembourg rarely), one or two sectors from :mod:`matcher.taxonomy`, kinds
mostly firms, one to three offers and needs each, two or three working languages of the country, texts
in Arabic, French, English, Italian or Spanish. Vectors: each sector has a random centroid and each
(sector, keyword) topic a sub-centroid near it; a text's vector is its topic plus a small shift for
its language (the same-language bias of real encoders) plus noise, normalised. The query-role vector
of a text is its passage vector plus a little noise, normalised (e5's two roles are close, not equal).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.profile import Profile
from matcher.taxonomy import PARTNERSHIP_TYPES, SECTORS
from storage import repository as repo
from storage.db import open_database

from .common import ROOT

CACHE = ROOT / "var" / "bench"
CHUNK = 20_000  # profiles per transaction

# Profiles per country in the sample data: the skew the synthetic catalogue reproduces.
COUNTRY_WEIGHTS: dict[str, int] = {
    "MA": 38, "TN": 36, "FR": 35, "EG": 31, "LB": 28, "DZ": 27, "JO": 25, "PS": 23, "IT": 22, "ES": 16,
    "GR": 12, "BE": 9, "HR": 9, "MT": 9, "PT": 9, "CY": 8, "DE": 8, "NL": 7, "TR": 5, "LU": 1,
}
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "MA": ("ar", "fr", "en"), "TN": ("ar", "fr", "en"), "DZ": ("ar", "fr"), "EG": ("ar", "en"),
    "LB": ("ar", "fr", "en"), "JO": ("ar", "en"), "PS": ("ar", "en"), "TR": ("tr", "en"),
    "FR": ("fr", "en"), "BE": ("fr", "nl", "en"), "LU": ("fr", "de", "en"), "IT": ("it", "en"),
    "ES": ("es", "en"), "PT": ("pt", "en"), "GR": ("el", "en"), "CY": ("el", "en"), "MT": ("mt", "en"),
    "HR": ("hr", "en"), "DE": ("de", "en"), "NL": ("nl", "en"),
}
KIND_WEIGHTS: dict[str, int] = {"firm": 213, "association": 28, "education": 24, "cluster": 24,
                                "support_org": 21, "public_body": 18, "funder": 16, "individual": 14}
ITEM_COUNTS = (0.35, 0.45, 0.20)  # probability of 1, 2, 3 offers (and, independently, needs)
TEXT_LANGUAGES = ("ar", "fr", "en", "it", "es")  # languages the templates are written in
KEYWORDS = ("prototypes", "small series", "export catalogue", "residencies", "training workshops",
            "digital archive", "custom orders", "distribution network")
MARKETS = ("Europe", "the Gulf", "North Africa", "tourists")
_ITEM = {
    "en": "{kw} ({sector}) for {market}",
    "fr": "{kw} ({sector}) pour le marché: {market}",
    "ar": "{kw} ({sector}) للسوق في {market} مع شركاء",
    "it": "{kw} ({sector}) per il mercato: {market}",
    "es": "{kw} ({sector}) para el mercado: {market}",
}
_DESCRIPTION = {
    "en": "{name} works in {sector} with {kw}; we look for partners in {market} and for the region.",
    "fr": "{name} travaille dans le secteur {sector} avec des {kw}; nous cherchons des partenaires pour le "
          "marché {market}.",
    "ar": "{name} تعمل في قطاع {sector} مع {kw} ونبحث عن شركاء في {market} وفي المنطقة المتوسطية",
    "it": "{name} lavora nel settore {sector} con {kw}; cerchiamo partner per il mercato {market} e della "
          "regione.",
    "es": "{name} trabaja en el sector {sector} con {kw}; buscamos socios para el mercado {market} y de la "
          "región.",
}
_NAMES = ("Atelier", "Studio", "Maison", "Dar", "Collectif", "Compagnie", "Bottega", "Taller", "House", "Lab")


@dataclass(frozen=True, kw_only=True)
class VectorModel:
    """Centroids of the synthetic embedding space: sectors (S, d), topics (S, K, d), languages (L, d)."""

    sector: np.ndarray
    topic: np.ndarray
    language: np.ndarray

    @classmethod
    def make(cls, rng: np.random.Generator, dim: int) -> VectorModel:
        def unit(*shape: int) -> np.ndarray:
            x = rng.standard_normal((*shape, dim), dtype=np.float32)
            return x / np.linalg.norm(x, axis=-1, keepdims=True)

        sector = unit(len(SECTORS))
        topic = sector[:, None, :] + 0.8 * unit(len(SECTORS), len(KEYWORDS))
        return cls(sector=sector, topic=topic, language=0.35 * unit(len(TEXT_LANGUAGES)))


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _noisy(rng: np.random.Generator, centres: np.ndarray, scale: float) -> np.ndarray:
    """(m, d) unit vectors: ``centres`` (m, d) plus isotropic noise of expected norm ``scale``."""
    d = centres.shape[1]
    return _normalise(centres + rng.standard_normal(centres.shape, dtype=np.float32) * (scale / np.sqrt(d)))


def _query_of(rng: np.random.Generator, passages: np.ndarray) -> np.ndarray:
    """Query-role vectors (m, d) of texts whose passage vectors are ``passages`` (m, d)."""
    return _noisy(rng, passages, 0.35)


def _item_pool() -> dict[tuple[str, int], list[tuple[str, int]]]:
    """(language, sector index) -> [(item text, keyword index)]: the phrases offers and needs are drawn from."""
    pool: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for lang, template in _ITEM.items():
        for s, sector in enumerate(SECTORS):
            pool[(lang, s)] = [(template.format(kw=kw, sector=sector.replace("_", " "), market=m), k)
                               for k, kw in enumerate(KEYWORDS) for m in MARKETS]
    return pool


def _weights(table: dict[str, int]) -> tuple[list[str], np.ndarray]:
    names = list(table)
    w = np.array([table[k] for k in names], np.float64)
    return names, w / w.sum()


def _profiles(n: int, rng: np.random.Generator, pool: dict[tuple[str, int], list[tuple[str, int]]]
              ) -> Iterator[tuple[list[Profile], list[tuple[int, int, int, int]]]]:
    """Chunks of profiles, each with (text language, primary sector, secondary sector or -1, keyword)."""
    countries, cw = _weights(COUNTRY_WEIGHTS)
    kinds, kw_ = _weights(KIND_WEIGHTS)
    sector_w = 1.0 / np.arange(1, len(SECTORS) + 1) ** 0.7  # a few big sectors, a long tail
    sector_order = rng.permutation(len(SECTORS))
    sector_p = np.empty(len(SECTORS))
    sector_p[sector_order] = sector_w / sector_w.sum()
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        country = rng.choice(len(countries), m, p=cw)
        kind = rng.choice(len(kinds), m, p=kw_)
        primary = rng.choice(len(SECTORS), m, p=sector_p)
        secondary = np.where(rng.random(m) < 0.3, rng.choice(len(SECTORS), m, p=sector_p), -1)
        keyword = rng.integers(0, len(KEYWORDS), m)
        market = rng.integers(0, len(MARKETS), m)
        n_offers = rng.choice(3, m, p=ITEM_COUNTS) + 1
        n_needs = rng.choice(3, m, p=ITEM_COUNTS) + 1
        pick = rng.integers(0, 1 << 30, (m, 6))
        ptypes = rng.integers(0, len(PARTNERSHIP_TYPES), (m, 2))
        two_types = rng.random(m) < 0.8
        lang_draw = rng.random(m)
        size = rng.integers(1, 250, m)
        profiles: list[Profile] = []
        meta: list[tuple[int, int, int, int]] = []
        for i in range(m):
            code = countries[country[i]]
            spoken = COUNTRY_LANGUAGES[code]
            writable = [c for c in spoken if c in TEXT_LANGUAGES] or ["en"]
            lang = writable[int(lang_draw[i] * len(writable))]
            s1, s2 = int(primary[i]), int(secondary[i])
            sectors = (SECTORS[s1],) if s2 < 0 or s2 == s1 else (SECTORS[s1], SECTORS[s2])
            name = f"{_NAMES[pick[i, 0] % len(_NAMES)]} {code}-{start + i:07d}"
            # offers from the profile's own sector, needs mostly from its second sector or a neighbour
            own, other = pool[(lang, s1)], pool[(lang, s2 if s2 >= 0 else int(pick[i, 1] % len(SECTORS)))]
            offers = tuple(dict.fromkeys(own[(pick[i, 2] + 7 * j) % len(own)][0] for j in range(n_offers[i])))
            needs = tuple(dict.fromkeys(other[(pick[i, 3] + 5 * j) % len(other)][0] for j in range(n_needs[i])))
            types = {PARTNERSHIP_TYPES[ptypes[i, 0]]} | ({PARTNERSHIP_TYPES[ptypes[i, 1]]} if two_types[i] else set())
            description = _DESCRIPTION[lang].format(name=name, sector=SECTORS[s1].replace("_", " "),
                                                    kw=KEYWORDS[keyword[i]], market=MARKETS[market[i]])
            profiles.append(Profile(
                id=f"syn-{start + i:07d}", name=name, kind=kinds[kind[i]], country=code, sectors=sectors,
                description=description, city=f"City {code} {pick[i, 4] % 40}", offers=offers, needs=needs,
                partnership_types=tuple(sorted(types)), languages=spoken[: 2 + int(pick[i, 5] % 2)],
                size=int(size[i]), website=f"https://syn-{start + i}.example.org",
                contact_email=f"contact@syn-{start + i}.example.org",
            ))
            meta.append((TEXT_LANGUAGES.index(lang), s1, s2, int(keyword[i])))
        yield profiles, meta


def build_synthetic_db(db: Path, n: int, *, model_id: str, seed: int = 0, dim: int = 384) -> list[str]:
    """Write ``n`` synthetic profiles and the cached vectors of all their texts into a new SQLite file.

    Cached, for ``model_id``: passage vectors of the three views and of every offer and need item,
    and query vectors of the overall view and of every item (what ``Catalogue.suggest`` encodes for a
    stored profile). Returns the profile ids (sorted). Refuses an existing file.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if db.exists():
        raise FileExistsError(f"{db} exists: the synthetic catalogue is only written into a new file")
    rng = np.random.default_rng(seed)
    model = VectorModel.make(rng, dim)
    engine = open_database(db)
    pool = _item_pool()
    seen: set[str] = set()
    # the item phrases: passage and query vectors, once
    vectors: dict[str, np.ndarray] = {}
    for (lang, s), items in pool.items():
        texts = [t for t, _ in items]
        centres = model.topic[s, [k for _, k in items]] + model.language[TEXT_LANGUAGES.index(lang)]
        passage = _noisy(rng, centres, 0.9)
        query = _query_of(rng, passage)
        for text, p_vec, q_vec in zip(texts, passage, query, strict=True):
            vectors[repo.text_hash("passage", text)] = p_vec
            vectors[repo.text_hash("query", text)] = q_vec
    seen.update(vectors)
    repo.insert_new(engine, [], model_id=model_id, vectors=vectors)
    passage_of = vectors  # item texts -> passage vectors
    ids: list[str] = []
    for profiles, meta in _profiles(n, rng, pool):
        text_lang, s1, s2, kw = (np.array([m[i] for m in meta]) for i in range(4))
        centres = model.topic[s1, kw] + 0.5 * np.where((s2 >= 0)[:, None], model.sector[np.maximum(s2, 0)], 0)
        overall = _noisy(rng, centres + model.language[text_lang], 1.0)
        overall_q = _query_of(rng, overall)
        fresh: dict[str, np.ndarray] = {}
        for p, vec, qvec in zip(profiles, overall, overall_q, strict=True):
            views = p.view_texts()
            fresh[repo.text_hash("passage", views["overall"])] = vec
            fresh[repo.text_hash("query", views["overall"])] = qvec
            for side in ("offers", "needs"):
                h = repo.text_hash("passage", views[side])
                if h not in seen and h not in fresh:
                    # a list view: close to the mean of its items, as an encoder would place it
                    parts = np.stack([passage_of[repo.text_hash("passage", t)] for t in getattr(p, side)])
                    fresh[h] = parts.mean(axis=0)
        keys = [h for h in fresh if h not in seen]
        block = np.stack([fresh[h] for h in keys])
        block = _normalise(block)
        seen.update(keys)
        repo.insert_new(engine, profiles, model_id=model_id,
                        vectors={h: v for h, v in zip(keys, block, strict=True)})
        ids.extend(p.id for p in profiles)
    engine.dispose()
    return ids


def synthetic_db(n: int, *, model_id: str, seed: int = 0, dim: int = 384) -> tuple[Path, float]:
    """The cached synthetic catalogue for (n, seed, dim, model) under var/bench/, built if missing.

    Returns its path and the seconds spent building it now (0.0 when it was already there). The file
    is built under a temporary name and renamed when complete, so a killed build is never reused.
    """
    tag = hashlib.sha256(model_id.encode()).hexdigest()[:8]
    path = CACHE / f"synthetic-n{n}-s{seed}-d{dim}-{tag}.db"
    if path.exists():
        return path, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    start = time.perf_counter()
    build_synthetic_db(tmp, n, model_id=model_id, seed=seed, dim=dim)
    os.replace(tmp, path)
    return path, time.perf_counter() - start

