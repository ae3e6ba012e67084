"""Meeting outcomes: what each participant says came of a meeting held at an event (one of :data:`OUTCOMES` and a
short note), when it may say so (once the meeting's slot has started), and the organiser's figures: the share of
held meetings that led to a follow-up or an agreement, overall, by sector and by pair of countries.

A meeting's outcome is the best either side recorded (an agreement seen by one side is an agreement)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.errors import ConflictError, InvalidValueError
from matcher.messages import Message
from matcher.relationships import OUTCOMES, best_outcome
from matcher.text import normalise_newlines, printable, text_issue

FRUITFUL: tuple[str, ...] = ("follow_up", "agreement")  # what the organiser's share counts
MAX_NOTE = 500


class OutcomeTooEarlyError(ConflictError):
    """The meeting's slot has not started: nothing came of it yet (409)."""


@dataclass(frozen=True, kw_only=True)
class MeetingOutcome:
    """One participant's word on one meeting (a scheduled request)."""

    event_id: int
    request_id: int
    profile_id: str
    outcome: str  # one of OUTCOMES
    note: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "request_id": self.request_id, "profile_id": self.profile_id,
                "outcome": self.outcome, "note": self.note, "recorded_at": self.recorded_at.isoformat()}


def check_outcome(outcome: str, note: str = "") -> tuple[str, str]:
    """The outcome code and the note as stored; :class:`InvalidValueError` names the field and the valid values."""
    code = outcome.strip().casefold()
    if code not in OUTCOMES:
        raise InvalidValueError("outcome", printable(outcome[:40], multiline=False),
                                Message.of("choose_one", choices=", ".join(OUTCOMES)))
    text = normalise_newlines(note.strip())
    if len(text) > MAX_NOTE:
        raise InvalidValueError("note", printable(text[:40]), Message.of("too_many_characters", limit=MAX_NOTE))
    if (issue := text_issue(text, multiline=True, bidi=True)) is not None:
        raise InvalidValueError("note", printable(text[:40]), issue)
    return code, text


def check_started(request_id: int, start: datetime, now: datetime, *, shown_start: str) -> None:
    """:class:`OutcomeTooEarlyError` unless the meeting's slot (starting at ``start``) has started at ``now``;
    ``shown_start`` is the start as people at the venue read it."""
    if now < start:
        raise OutcomeTooEarlyError(f"meeting {request_id} starts at {shown_start}: its outcome can be recorded once "
                                   "it has started")


@dataclass(frozen=True, kw_only=True)
class HeldMeeting:
    """A scheduled meeting whose slot has started, as the figures need it."""

    request_id: int
    countries: tuple[str, str]  # the two sides' countries, sorted ("" for a profile that has left)
    sectors: frozenset[str]  # the sectors of either side
    outcomes: tuple[str, ...] = ()  # what each side recorded

    @property
    def outcome(self) -> str:
        return best_outcome(self.outcomes)


@dataclass(frozen=True, kw_only=True)
class Share:
    """Held meetings of a group, and how many led to a follow-up or an agreement."""

    held: int
    fruitful: int

    @property
    def share(self) -> float | None:
        return self.fruitful / self.held if self.held else None

    def to_dict(self) -> dict[str, Any]:
        return {"held": self.held, "fruitful": self.fruitful, "share": self.share}


def _share(meetings: Iterable[HeldMeeting]) -> Share:
    listed = list(meetings)
    return Share(held=len(listed), fruitful=sum(m.outcome in FRUITFUL for m in listed))


@dataclass(frozen=True, kw_only=True)
class OutcomeSummary:
    """An event's outcomes. ``held`` counts the scheduled meetings whose slot has started (of ``scheduled``);
    ``counts`` each meeting once, by its best outcome (``unrecorded``: neither side said); ``answers`` counts
    what each side recorded."""

    event_id: int
    scheduled: int
    overall: Share
    counts: dict[str, int]  # every code of OUTCOMES present
    unrecorded: int
    answers: dict[str, int]  # every code of OUTCOMES present
    by_sector: dict[str, Share]  # sectors of either side, most held meetings first
    by_country_pair: dict[tuple[str, str], Share]  # (a, b) with a <= b, most held meetings first

    @property
    def held(self) -> int:
        return self.overall.held

    @property
    def share(self) -> float | None:
        return self.overall.share

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "scheduled": self.scheduled, "held": self.held,
                "fruitful": self.overall.fruitful, "share": self.share, "counts": self.counts,
                "unrecorded": self.unrecorded, "answers": self.answers,
                "by_sector": [{"sector": s, **x.to_dict()} for s, x in self.by_sector.items()],
                "by_country_pair": [{"countries": list(pair), **x.to_dict()} for pair, x in
                                    self.by_country_pair.items()]}


def summarise(event_id: int, meetings: Sequence[HeldMeeting], *, scheduled: int) -> OutcomeSummary:
    """The figures of an event's held meetings (see :class:`OutcomeSummary`)."""
    best = Counter(m.outcome for m in meetings)
    answers = Counter(o for m in meetings for o in m.outcomes)
    sectors = sorted({s for m in meetings for s in m.sectors})
    by_sector = {s: _share(m for m in meetings if s in m.sectors) for s in sectors}
    pairs = sorted({m.countries for m in meetings if all(m.countries)})
    by_pair = {p: _share(m for m in meetings if m.countries == p) for p in pairs}
    return OutcomeSummary(
        event_id=event_id, scheduled=scheduled, overall=_share(meetings), counts={o: best[o] for o in OUTCOMES},
        unrecorded=best[""], answers={o: answers[o] for o in OUTCOMES},
        by_sector=dict(sorted(by_sector.items(), key=lambda kv: (-kv[1].held, kv[0]))),
        by_country_pair=dict(sorted(by_pair.items(), key=lambda kv: (-kv[1].held, kv[0]))))
