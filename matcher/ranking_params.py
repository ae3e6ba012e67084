"""The ranking's tunable parameters: component weights, candidate pool and calibration sizes,
diversity rules. The measured choices are noted beside each value."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Weights:
    """Default weights favour complementarity: a producer needs buyers, not look-alikes."""

    semantic: float = 0.15
    complementarity: float = 0.55
    sector: float = 0.15
    preference: float = 0.15


@dataclass(frozen=True, kw_only=True)
class RankingParams:
    """Every knob of :func:`matcher.ranking.rank`; the defaults are the product's."""

    weights: Weights = field(default_factory=Weights)
    pool: int = 50  # units taken from each channel's search, per language bucket
    background: int = 256  # units sampled per language bucket to calibrate scores
    min_language_units: int = 30  # smaller languages share one calibration bucket
    shift_only: bool = True  # calibrate by each language's background mean only (see matcher.candidates)
    country_cap: int | None = None  # most suggestions from one country; None: ceil(k / 3); 0: no cap
    one_sided: float = 0.5  # weight of a one-sided complementarity when the candidate lacks a side
    near_duplicate: float = 0.985  # overall-view cosine from which two candidates count as one
    # Candidate retrieval per channel: from this fraction of allowed units, score every unit in one pass
    # and take each language bucket's top from those scores; below it, one filtered search per bucket
    # (it reads only the allowed units). 0: always one pass; above 1: always the per-bucket searches.
    single_pass_fraction: float = 0.02
