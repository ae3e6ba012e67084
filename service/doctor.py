"""``ccimatch doctor``: values stored before today's checks existed (or written around them) that today's
validation refuses: control characters, bidi overrides, bad codes; and a saved ranking model suggest refuses
(trained on other features: suggestions fall back to the weighted mean). Each finding names the record, the field
and the reason, and says how to fix it; exports and pages never break on them (they show U+FFFD), but a
person should still correct them at the source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from matcher.profile import validate_record
from matcher.text import text_problem
from service.catalogue.graph_state import saved_model
from storage import events as event_store
from storage import repository as repo
from storage.keys import list_keys


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One stored value that today's validation refuses."""

    record: str  # e.g. "profile 'tn-1'", "event 3", "request 17 (event 3)", "key cci_1a2b"
    field: str
    reason: str
    fix: str

    def __str__(self) -> str:
        return f"{self.record}: field {self.field!r}: {self.reason} ({self.fix})"

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.record, "field": self.field, "reason": self.reason, "fix": self.fix}


@dataclass(frozen=True, kw_only=True)
class Checkup:
    profiles: int
    events: int
    requests: int
    keys: int
    findings: tuple[Finding, ...]
    ranking: str = "weighted_mean"  # or "learned": what suggest orders by (a saved, usable ranking model)

    def to_dict(self) -> dict[str, Any]:
        return {"checked": {"profiles": self.profiles, "events": self.events, "requests": self.requests,
                            "keys": self.keys}, "ranking": self.ranking,
                "problems": [f.to_dict() for f in self.findings]}


def _short(value: str) -> str | None:
    return text_problem(value, multiline=False, bidi=False)


def checkup(engine: Engine) -> Checkup:
    """Every stored profile, event, request message and key label, checked as if it were sent today."""
    findings: list[Finding] = []
    profiles = repo.load_profiles(engine)
    for p in profiles:
        _, errors = validate_record(p.to_record(private=True))
        findings += [Finding(record=f"profile {p.id!r}", field=e.field, reason=e.reason,
                             fix="correct it with PATCH /profiles/{id} or by ingesting the profile again")
                     for e in errors]
    event_store.ensure_schema(engine)
    events = event_store.list_events(engine)
    requests = 0
    for ev in events:
        for field, value in (("name", ev.name), ("venue", ev.venue)):
            if (reason := _short(value)) is not None:
                findings.append(Finding(record=f"event {ev.id}", field=field, reason=reason,
                                        fix="recreate the event with a corrected value"))
        for r in event_store.list_requests(engine, ev.id):
            requests += 1
            if (reason := text_problem(r.message, multiline=True, bidi=True)) is not None:
                findings.append(Finding(record=f"request {r.id} (event {ev.id})", field="message", reason=reason,
                                        fix="cancel it and send it again"))
    keys = list_keys(engine)
    for k in keys:
        if (reason := _short(k.label)) is not None:
            findings.append(Finding(record=f"key {k.prefix}", field="label", reason=reason,
                                    fix="revoke it and create a new key"))
    model, model_id, note = saved_model(engine)
    if note:
        findings.append(Finding(record=f"ranking model {model_id}", field="features", reason=note,
                                fix="ccimatch model train-ranker, or ccimatch model drop"))
    return Checkup(profiles=len(profiles), events=len(events), requests=requests, keys=len(keys),
                   findings=tuple(findings), ranking="learned" if model is not None else "weighted_mean")
