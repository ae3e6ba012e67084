"""The bound part of bench/exposure.py: per event, an upper bound on any lists' expected mutual meetings
(:mod:`matcher.joint_bound`) beside both methods' figures, and the bound with the exposure limit lifted."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.exposure import AcceptanceModel, metrics
from matcher.joint_bound import upper_bound
from matcher.joint_recommend import independent_lists, joint_lists


@dataclass(frozen=True, kw_only=True)
class BoundRow:
    """One event: both methods' expected meetings and the bound on any lists' (same model and scores)."""

    event: str
    participants: int
    independent: float
    joint: float
    bound: float
    seconds: float  # computing the bound (not a product path: the LP and its certificate)

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "participants": self.participants, "independent": round(self.independent, 2),
                "joint": round(self.joint, 2), "bound": round(self.bound, 2), "seconds": round(self.seconds, 2)}


def bound_row(event: str, s: np.ndarray, cap: np.ndarray, lists: dict[str, np.ndarray], *, k: int,
              multiple: float) -> BoundRow:
    """The bound for the event of ``s`` with cuts at both methods' lists, and their exact expected meetings."""
    model = AcceptanceModel.fit(s)
    got = {m: metrics(v, s, cap, k=k, model=model).expected_meetings for m, v in lists.items()}
    t0 = time.perf_counter()
    bound = upper_bound(s, cap, k=k, exposure_multiple=multiple, model=model,
                        tangents=(lists["joint"], lists["independent"]))
    row = BoundRow(event=event, participants=s.shape[0], independent=got["independent"], joint=got["joint"],
                   bound=bound.value, seconds=time.perf_counter() - t0)
    print(f"{event:36} {row.participants:6,} bound {row.bound:9.1f}  (joint {row.joint:.1f}, independent "
          f"{row.independent:.1f})  {row.seconds:6.1f} s", flush=True)
    return row


def unlimited_rows(events: dict[str, tuple[np.ndarray, np.ndarray]], *, k: int) -> list[dict[str, Any]]:
    """The bound on each event (label -> (scores, capacity)) with the exposure limit lifted (multiple 100):
    whether the limit is what keeps an event below the target."""
    out = []
    for label, (s, cap) in events.items():
        model = AcceptanceModel.fit(s)
        lists = joint_lists(s, cap, k=k, exposure_multiple=100.0, model=model)
        bound = upper_bound(s, cap, k=k, exposure_multiple=100.0, model=model, tangents=(lists,))
        ind = metrics(independent_lists(s, k=k), s, cap, k=k, model=model).expected_meetings
        out.append({"event": label, "participants": s.shape[0], "independent": round(ind, 2),
                    "bound": round(bound.value, 2)})
        print(f"  no exposure limit: {out[-1]}", flush=True)
    return out
