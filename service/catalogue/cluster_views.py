"""A scored cluster (:class:`matcher.clusters.Evaluation`) as the JSON the API, the CLI and the web page read:
profiles by id and name, offer and need items as the phrases their owners wrote, and a line of English for
every explanation (the web page words the same fields in its own language)."""

from __future__ import annotations

from typing import Any

from matcher.clusters import Answer, Evaluation, Member, MissingCountry, Quality
from matcher.profile import Profile
from service.catalogue.index import State

PART_NAMES = {"theme": "theme", "sectors": "sectors", "value_chain": "value chain"}
GAP_NAMES = {"sector": "sector", "role": "role", "country": "country", "language": "language"}


def brief(p: Profile) -> dict[str, str]:
    return {"id": p.id, "name": p.name, "country": p.country, "kind": p.kind, "city": p.city or ""}


def _phrase(st: State, side: str, unit: int) -> str:
    """The item a unit index stands for, as its owner wrote it."""
    layout = st.arrays.items[side]
    owner = int(layout.owner[unit])
    return str(getattr(st.profiles[owner], side)[unit - int(layout.start[owner])])


def _answer(st: State, a: Answer) -> dict[str, Any]:
    return {**brief(st.profiles[a.other]), "offer": _phrase(st, "offers", a.offer),
            "need": _phrase(st, "needs", a.need), "score": a.score}


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "−")


def reason(st: State, m: Member) -> str:
    """One line in English: the fit and its parts, the offer ↔ need pairs inside the group, what only it brings,
    whom it already worked with."""
    parts = ", ".join(f"{PART_NAMES.get(k, k)} {_signed(v)}" for k, v in m.fit_parts.items())
    said = [f"fit {m.fit:.2f} with the focus" + (f" ({parts})" if len(m.fit_parts) > 1 else "")]
    said += [f"its offer “{_phrase(st, 'offers', a.offer)}” answers {st.profiles[a.other].name}'s need "
             f"“{_phrase(st, 'needs', a.need)}”" for a in m.serves]
    said += [f"{st.profiles[a.other].name}'s offer “{_phrase(st, 'offers', a.offer)}” answers its need "
             f"“{_phrase(st, 'needs', a.need)}”" for a in m.served_by]
    if m.gaps:
        said.append("the only member bringing " + ", ".join(f"{GAP_NAMES[g.what]} {g.value}" for g in m.gaps))
    if m.worked_with:
        said.append("worked with " + ", ".join(st.profiles[w].name for w in m.worked_with))
    return ("anchor; " if m.anchor else "") + "; ".join(said)


def missing_text(st: State, miss: MissingCountry) -> str:
    """Why a country asked for has no member, in English."""
    if miss.reason == "no_eligible":
        return f"{miss.country}: no eligible profile there"
    if miss.reason == "no_slot":
        return f"{miss.country}: eligible profiles, but none of a role the cluster has a place for"
    who, instead = st.profiles[miss.row], st.profiles[miss.replaces]
    effect = (f"would lower the cohesion by {-miss.cohesion:.2f}" if miss.cohesion < 0
              else f"would change the cohesion by {_signed(miss.cohesion)}")
    return (f"{miss.country}: the best candidate there, {who.name} ({who.id}), in place of {instead.name}, "
            f"{effect} (objective {_signed(miss.delta)})")


def quality_json(q: Quality) -> dict[str, Any]:
    """The group's quality, each figure with its line of English."""
    asked_missing = [c for c in q.countries_asked if c not in q.countries_asked_covered]
    return {
        "cohesion": {"value": q.cohesion, "fit": q.fit, "complementarity": q.complementarity,
                     "text": f"{q.cohesion:.2f}: the members fit the focus {q.fit:.2f} on average and their offers "
                             f"answer each other's needs {q.complementarity:.2f} (0 = typical, 1 = the best)"},
        "value_chain": {"covered": list(q.chain_sectors_covered), "sectors": list(q.chain_sectors),
                        "text": f"{len(q.chain_sectors_covered)} of the {len(q.chain_sectors)} sectors on the focus's "
                                f"value chains: {', '.join(q.chain_sectors_covered) or 'none'}"},
        "roles": {"present": list(q.roles), "required": q.roles_required, "met": q.roles_met,
                  "text": f"{len(q.roles)} roles ({', '.join(q.roles)})"
                          + (f"; {q.roles_met} of the {q.roles_required} required met" if q.roles_required else "")},
        "countries": {"present": list(q.countries), "asked": list(q.countries_asked),
                      "covered": list(q.countries_asked_covered),
                      "text": f"{len(q.countries)} countries ({', '.join(q.countries)})"
                              + (f"; {len(q.countries_asked_covered)} of the {len(q.countries_asked)} asked for"
                                 + (f", missing {', '.join(asked_missing)}" if asked_missing else "")
                                 if q.countries_asked else "")},
        "languages": {"present": list(q.languages), "shared": q.shared_language, "sharing": q.sharing,
                      "text": (f"{len(q.languages)} working languages; {q.sharing} members speak "
                               f"{q.shared_language}") if q.languages else "no working language given"},
        "complementarity": {"answered": q.needs_answered, "with_needs": q.with_needs,
                            "text": f"{q.needs_answered} of the {q.with_needs} members with needs have one answered "
                                    "inside the cluster"},
    }


def group_json(st: State, result: Evaluation) -> dict[str, Any]:
    """The whole answer: members with their evidence and alternatives, the group's figures and quality, the
    countries asked for but missing, and what is not met."""
    members = []
    for m in result.members:
        members.append({
            **brief(st.profiles[m.row]), "role": m.role, "fit": m.fit, "fit_parts": m.fit_parts, "gain": m.gain,
            "anchor": m.anchor, "new_country": m.new_country,
            "complements": [brief(st.profiles[c]) for c in m.complements],
            "serves": [_answer(st, a) for a in m.serves], "served_by": [_answer(st, a) for a in m.served_by],
            "gaps": [{"what": g.what, "value": g.value} for g in m.gaps],
            "worked_with": [brief(st.profiles[w]) for w in m.worked_with], "reason": reason(st, m),
            "alternatives": [{**brief(st.profiles[s.row]), "delta": s.delta, "cohesion_change": s.cohesion}
                             for s in result.swaps.get(m.row, ())]})
    missing = [{"country": x.country, "reason": x.reason,
                "candidate": brief(st.profiles[x.row]) if x.row >= 0 else None,
                "replaces": brief(st.profiles[x.replaces]) if x.replaces >= 0 else None,
                "delta": x.delta, "cohesion_change": x.cohesion, "text": missing_text(st, x)}
               for x in result.missing_countries]
    return {
        "members": members, "objective": result.objective, "cohesion": result.cohesion, "fit": result.fit,
        "complementarity": result.complementarity, "sectors_covered": list(result.sectors_covered),
        "countries": list(result.quality.countries),
        "alternatives": {st.profiles[r].id: [st.profiles[a].id for a in alts]
                         for r, alts in result.alternatives.items()},
        "missing_countries": missing, "quality": quality_json(result.quality),
        "shortfalls": [{"what": f.what, "have": f.have, "wanted": f.wanted} for f in result.shortfalls],
        "unmet": list(result.unmet),
    }
