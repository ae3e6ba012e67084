"""Near-duplicate profiles (the same organisation registered twice), catalogue-wide, from arrays.

A platform sees names, countries and texts, so that is all this uses: a *name key* (case, accents,
punctuation, legal forms such as SA, SARL, GmbH, Ltd and function words dropped) cut into character
3-grams, and the profile's content words (:func:`matcher.quality_text.content_words` of description, offers and
needs). Each set is summarised by a MinHash signature (``k`` seeded universal hashes of CRC-32 shingle ids
modulo the Mersenne prime 2^31-1), whose agreement rate estimates the sets' Jaccard similarity (standard error
about ``sqrt(J(1-J)/k)``: 0.06 at J = 0.5, k = 64). Candidate pairs come from locality-sensitive hashing
(bands of the signatures, Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3), so
a catalogue of 100,000 profiles never compares all pairs; each candidate is then scored on both signatures.

A pair in one country is a twin when its names agree (estimated Jaccard of name 3-grams >= ``NAME_TWIN``)
or its texts agree (>= ``TEXT_TWIN``) with names not far apart (>= ``NAME_WITH_TEXT``). Thresholds measured on
the sample data (no twins by construction: 0 pairs flagged, while the sample's template texts repeat within a
country) and reported against the CORDIS twins by ``ccimatch eval quality`` (reports/quality.md)."""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.quality_text import content_words
from matcher.taxonomy import fold

NAME_TWIN = 0.9  # names alone: same name but for spelling, legal form or punctuation
TEXT_TWIN = 0.8  # texts nearly identical ...
NAME_WITH_TEXT = 0.6  # ... and names sharing most of their letters
_PRIME = np.uint64(2**31 - 1)
_LEGAL = frozenset("""sa sas sasu sarl eurl sarlau srl srls spa snc sl slu sll gmbh ag kg ev eg ug bv nv vzw asbl
ltd limited plc llc inc corp co cie oy oyj ab as aps ou kft zrt sro doo dd ad ood eood ike ae epe sc ltda
lda sp zoo ohg mbh the of and de la le les du des di del della et und van der den für fur""".split())  # noqa: SIM905
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """A name without case, accents, punctuation, legal forms and function words: ``'Poterie Nour S.A.R.L.'``
    and ``'POTERIE NOUR SARL'`` both give ``'poterie nour'``."""
    folded = fold(re.sub(r"(?<=\b\w)\.(?=\w\b)", "", name))  # S.A.R.L. -> SARL
    kept = [t for t in _TOKEN.findall(folded) if t not in _LEGAL]
    return " ".join(kept or _TOKEN.findall(folded))


def _ids(items: Sequence[str]) -> np.ndarray:
    return np.array(sorted({zlib.crc32(x.encode()) for x in items}), dtype=np.uint64)


def name_shingles(name: str) -> np.ndarray:
    """Shingle ids (uint64) of a name: character 3-grams of its :func:`name_key`, padded with spaces."""
    key = f" {name_key(name)} "
    return _ids([key[i : i + 3] for i in range(len(key) - 2)] if len(key) > 3 else [key])


def text_shingles(text: str) -> np.ndarray:
    """Shingle ids (uint64) of a text: its distinct content words."""
    return _ids(content_words(text))


def minhash(shingles: Sequence[np.ndarray], *, k: int = 64, seed: int = 0) -> np.ndarray:
    """(len(shingles), k) uint32 signatures; an empty set gets the all-``2^31-1`` signature (never a twin)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_PRIME), size=k, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), size=k, dtype=np.uint64)
    out = np.full((len(shingles), k), int(_PRIME), dtype=np.uint32)
    for row, ids in enumerate(shingles):
        if len(ids):
            x = (np.asarray(ids, dtype=np.uint64) % _PRIME)[:, None]
            out[row] = ((a[None, :] * x + b[None, :]) % _PRIME).min(axis=0).astype(np.uint32)
    return out


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of rows of two signature arrays of one shape (empty sets: 0)."""
    empty = (sig_a == int(_PRIME)).all(axis=-1) | (sig_b == int(_PRIME)).all(axis=-1)
    return np.where(empty, 0.0, (sig_a == sig_b).mean(axis=-1))


def _band_pairs(groups: np.ndarray, sigs: np.ndarray, rows: int) -> set[tuple[int, int]]:
    """Pairs (i < j) in one group sharing at least one band of ``rows`` signature values."""
    pairs: set[tuple[int, int]] = set()
    empty = (sigs == int(_PRIME)).all(axis=1)
    for start in range(0, sigs.shape[1] - rows + 1, rows):
        buckets: dict[tuple[object, bytes], list[int]] = defaultdict(list)
        band = np.ascontiguousarray(sigs[:, start : start + rows])
        for i in np.flatnonzero(~empty):
            buckets[(groups[i], band[i].tobytes())].append(int(i))
        for members in buckets.values():
            if 1 < len(members) <= 200:  # a bucket this full is a stock phrase, not a twin
                pairs.update((x, y) for n, x in enumerate(members) for y in members[n + 1 :])
    return pairs


@dataclass(frozen=True, kw_only=True)
class Twins:
    """Candidate twin pairs, as arrays: rows ``i < j`` of the inputs and both estimated similarities."""

    i: np.ndarray
    j: np.ndarray
    name: np.ndarray
    text: np.ndarray

    def of(self, row: int) -> list[int]:
        """The rows paired with ``row``."""
        return sorted({*self.j[self.i == row].tolist(), *self.i[self.j == row].tolist()})


def twin_pairs(countries: Sequence[str], name_sigs: np.ndarray, text_sigs: np.ndarray, *,
               name_twin: float = NAME_TWIN, text_twin: float = TEXT_TWIN, name_with_text: float = NAME_WITH_TEXT,
               rows_per_band: int = 4) -> Twins:
    """Pairs of profiles in the same country whose names, or texts and names, agree (module docstring).
    ``countries`` (n,) codes ('' = unknown: never paired); signatures from :func:`minhash`, n rows each."""
    groups = np.asarray(countries, dtype=object)
    candidates = _band_pairs(groups, name_sigs, rows_per_band) | _band_pairs(groups, text_sigs, rows_per_band)
    pairs = np.array(sorted(p for p in candidates if groups[p[0]]), dtype=np.int64).reshape(-1, 2)
    name = similarity(name_sigs[pairs[:, 0]], name_sigs[pairs[:, 1]])
    text = similarity(text_sigs[pairs[:, 0]], text_sigs[pairs[:, 1]])
    keep = (name >= name_twin) | ((text >= text_twin) & (name >= name_with_text))
    return Twins(i=pairs[keep, 0], j=pairs[keep, 1], name=name[keep], text=text[keep])


def profile_text(description: str, offers: Sequence[str], needs: Sequence[str]) -> str:
    """The text whose words are compared: description, offers and needs (the name is compared on its own)."""
    return " ".join((description, *offers, *needs))


def twins_of(country: str, name_sig: np.ndarray, text_sig: np.ndarray, countries: Sequence[str],
             name_sigs: np.ndarray, text_sigs: np.ndarray, *, name_twin: float = NAME_TWIN,
             text_twin: float = TEXT_TWIN, name_with_text: float = NAME_WITH_TEXT) -> np.ndarray:
    """Rows of a catalogue (``countries``, ``name_sigs``, ``text_sigs``) that would be twins of one more profile
    (a draft not stored yet) by :func:`twin_pairs`' rule, scanning the rows of its country."""
    if not country:
        return np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(np.asarray(countries, dtype=object) == country)
    name = similarity(name_sigs[rows], np.broadcast_to(name_sig, (len(rows), name_sig.shape[-1])))
    text = similarity(text_sigs[rows], np.broadcast_to(text_sig, (len(rows), text_sig.shape[-1])))
    return rows[(name >= name_twin) | ((text >= text_twin) & (name >= name_with_text))]
