"""Why a suggestion is there: the constraints that admitted it, the phrases that matched best, a
one-line human reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.affinity import SECTOR_AFFINITY, VALUE_CHAIN
from matcher.constraints import Constraints
from matcher.profile import Profile
from matcher.relation_evidence import RelationEvidence
from matcher.taxonomy import SECTORS

MENTION = 0.5  # scaled component from which a match is worth a sentence


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One of my phrases and one of theirs that matched best, with their cosine."""

    mine: str
    theirs: str
    similarity: float
    relation: str  # "they offer what you need" | "you offer what they need"


def best_pair(mine: Sequence[str], my_vectors: np.ndarray, theirs: Sequence[str], their_vectors: np.ndarray,
              relation: str) -> Evidence | None:
    """The most similar (my item, their item) pair; vectors are (len(items), d), L2-normalised."""
    if not mine or not theirs:
        return None
    sims = my_vectors @ their_vectors.T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return Evidence(mine=mine[int(i)], theirs=theirs[int(j)], similarity=round(float(sims[i, j]), 4), relation=relation)


def admitted_by(constraints: Constraints, asker_country: str | None, candidate: Profile) -> list[str]:
    """The hard constraints this candidate satisfied, in words."""
    out = []
    if asker_country and asker_country in constraints.exclude_countries:
        out.append(f"cross-border ({candidate.country}, not {asker_country})")
    elif asker_country and candidate.country == asker_country:
        out.append(f"same country allowed ({candidate.country})")
    if constraints.countries:
        out.append(f"country {candidate.country} is in {','.join(sorted(constraints.countries))}")
    others = constraints.exclude_countries - {asker_country}
    if others:
        out.append(f"country not in {','.join(sorted(others))}")
    if constraints.sectors:
        out.append("sector " + ",".join(s for s in candidate.sectors if s in constraints.sectors))
    if constraints.kinds:
        out.append(f"kind {candidate.kind}")
    if constraints.partnership_types:
        wanted = constraints.partnership_types
        out.append("partnership " + ",".join(t for t in candidate.partnership_types if t in wanted))
    if constraints.languages:
        out.append("speaks " + ",".join(c for c in candidate.languages if c in constraints.languages))
    return out or ["no filter"]


def sector_phrase(mine: Sequence[str], theirs: Sequence[str]) -> str | None:
    """"same sector (crafts)" or "value chain (crafts ↔ cultural_tourism)", if any."""
    same = [s for s in theirs if s in mine]
    if same:
        return f"same sector ({', '.join(same)})"
    for a in mine:
        for b in theirs:
            if SECTOR_AFFINITY[SECTORS.index(a), SECTORS.index(b)] >= VALUE_CHAIN:
                return f"value chain ({a} ↔ {b})"
    return None


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """One suggested partner, with everything needed to trust or dismiss it."""

    id: str
    name: str
    country: str
    city: str
    kind: str
    sectors: tuple[str, ...]
    score: float
    components: dict[str, float]
    evidence: tuple[Evidence, ...]
    admitted_by: tuple[str, ...]
    reason: str
    relations: tuple[RelationEvidence, ...] = ()  # shared partners, a meeting already held

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "name": self.name, "country": self.country, "city": self.city, "kind": self.kind,
            "sectors": list(self.sectors), "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "evidence": [{"mine": e.mine, "theirs": e.theirs, "similarity": e.similarity, "relation": e.relation}
                         for e in self.evidence],
            "admitted_by": list(self.admitted_by), "reason": self.reason,
            "relations": [r.to_dict() for r in self.relations],
        }


def _quote(text: str, limit: int = 70) -> str:
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


def reason(components: dict[str, float], evidence: Sequence[Evidence], sector: str | None,
           shared_languages: Sequence[str]) -> str:
    """One line a person can act on, e.g. "offers 'X', which you need ('Y'); same sector (crafts)"."""
    parts = []
    for ev in evidence:
        key = "need_match" if ev.relation == "they offer what you need" else "offer_match"
        if components.get(key, 0.0) < MENTION:
            continue
        if key == "need_match":
            parts.append(f"offers {_quote(ev.theirs)}, which you need ({_quote(ev.mine, 50)})")
        else:
            parts.append(f"needs {_quote(ev.theirs)}, which you offer ({_quote(ev.mine, 50)})")
    if not parts and components.get("semantic", 0.0) >= MENTION:
        parts.append("works on similar things")
    if sector:
        parts.append(sector)
    if shared_languages:
        parts.append("works in " + ", ".join(shared_languages))
    return "; ".join(parts) if parts else "closest eligible profile"
