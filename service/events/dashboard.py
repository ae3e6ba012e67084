"""What an organiser watches while an event fills up: the events there are, and one event's figures (requests by
state and the acceptance rate, meetings per participant, which countries meet which, the sectors the meetings
cover). Plain numbers keyed by codes: the pages draw and word them in their own language.

The meetings counted are the scheduled ones once a schedule exists, the accepted requests before that
(:attr:`Dashboard.basis` says which), so that the charts mean something from the first accepted request."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from matcher.events import STATES, Event, MeetingRequest
from service.events.agendas import held
from service.events.plan import EventService, event, name_of
from storage import events as store


@dataclass(frozen=True, kw_only=True)
class ParticipantFigures:
    """One participant's requests and meetings."""

    profile_id: str
    name: str
    country: str  # ISO code, "" if the profile has left the catalogue
    sent: int  # requests sent (any state)
    received: int
    pending: int  # its requests (sent or received) in each state
    accepted: int
    declined: int
    meetings: int  # scheduled meetings, or accepted requests before a schedule exists


@dataclass(frozen=True, kw_only=True)
class SectorFigures:
    sector: str  # a code of matcher.taxonomy.SECTORS
    participants: int  # participants working in it
    meeting: int  # of which have at least one meeting
    meetings: int  # meetings with at least one side in it


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    """One event's figures. ``basis`` is "scheduled" (meetings of the stored schedule) or "accepted" (no
    schedule yet: accepted requests stand for meetings)."""

    event_id: int
    participants: tuple[ParticipantFigures, ...]  # by meetings, most first, then name
    states: dict[str, int]  # requests per state, every state of matcher.events.STATES present
    basis: str
    meetings: int
    country_pairs: dict[tuple[str, str], int]  # (a, b) with a <= b: meetings between a country and another
    countries: tuple[str, ...]  # the participants' countries, sorted by code
    sectors: tuple[SectorFigures, ...]  # sectors of the participants, most meetings first

    @property
    def answered(self) -> int:
        """Requests accepted or declined (the others were withdrawn, expired or await an answer)."""
        return self.states["accepted"] + self.states["declined"]

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted among the answered requests; None before any answer."""
        return self.states["accepted"] / self.answered if self.answered else None

    @property
    def requests(self) -> int:
        return sum(self.states.values())


def list_events(svc: EventService) -> list[Event]:
    """Every event, oldest first (an organiser bound to one event is shown only that one by the caller)."""
    return store.list_events(svc.engine)


def dashboard(svc: EventService, event_id: int) -> Dashboard:
    """The figures of one event (see :class:`Dashboard`)."""
    data = event(svc, event_id)
    ids = [p.profile_id for p in data.participants]
    requests = store.list_requests(svc.engine, event_id)
    scheduled = [r for _, r in held(svc, event_id)]
    basis = "scheduled" if scheduled else "accepted"
    meetings: list[MeetingRequest] = scheduled or [r for r in requests if r.state == "accepted"]
    profiles = {pid: svc.catalogue.find(pid) for pid in ids}
    country = {pid: p.country if p is not None else "" for pid, p in profiles.items()}
    sectors_of = {pid: tuple(p.sectors) if p is not None else () for pid, p in profiles.items()}

    count: Counter[str] = Counter()
    for r in meetings:
        count.update((r.from_id, r.to_id))
    per = []
    for pid in ids:
        mine = [r for r in requests if pid in (r.from_id, r.to_id)]
        states = Counter(r.state for r in mine)
        per.append(ParticipantFigures(
            profile_id=pid, name=name_of(svc, pid), country=country[pid],
            sent=sum(r.from_id == pid for r in mine), received=sum(r.to_id == pid for r in mine),
            pending=states["pending"], accepted=states["accepted"], declined=states["declined"],
            meetings=count[pid]))
    per.sort(key=lambda p: (-p.meetings, p.name.casefold(), p.profile_id))

    pairs: Counter[tuple[str, str]] = Counter()
    for r in meetings:
        a, b = sorted((country.get(r.from_id, ""), country.get(r.to_id, "")))
        if a and b:
            pairs[(a, b)] += 1

    in_sector: Counter[str] = Counter()
    meeting_in_sector: Counter[str] = Counter()
    meetings_in_sector: Counter[str] = Counter()
    for pid in ids:
        for s in sectors_of[pid]:
            in_sector[s] += 1
            if count[pid]:
                meeting_in_sector[s] += 1
    for r in meetings:
        for s in set(sectors_of.get(r.from_id, ())) | set(sectors_of.get(r.to_id, ())):
            meetings_in_sector[s] += 1
    sectors = sorted((SectorFigures(sector=s, participants=n, meeting=meeting_in_sector[s],
                                    meetings=meetings_in_sector[s]) for s, n in in_sector.items()),
                     key=lambda x: (-x.meetings, -x.participants, x.sector))

    by_state = Counter(r.state for r in requests)
    return Dashboard(event_id=event_id, participants=tuple(per), states={s: by_state[s] for s in STATES},
                     basis=basis, meetings=len(meetings), country_pairs=dict(pairs),
                     countries=tuple(sorted({c for c in country.values() if c})), sectors=tuple(sectors))
