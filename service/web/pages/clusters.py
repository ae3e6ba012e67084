"""The coordinator's journey: seed a cross-border cluster from a form (sectors, theme, countries, size, role
mix, anchors), read the proposal (each member's role, its fit as a bar with its parts, the offer ↔ need pairs
with the others, what only it brings, whom it worked with, and its own alternatives with the change of the
objective; the cohesion, the quality of the whole, the sectors covered, the countries asked for but missing
and why, what could not be met), swap a member for an alternative and see the cohesion change, and find who
abroad could join an existing cluster.

Every page only reads the catalogue, so every form is a GET form and every state is a bookmarkable URL:
``/{lang}/clusters?size=8&sectors=crafts&countries=MA,TN`` is the proposal, the same URL with
``&members=id1,id2,...`` is that group after swaps (scored by :func:`evaluate_cluster` with the seed's
objective and compared with the proposal, which the seed recomputes: it is deterministic), and
``/{lang}/clusters/extend?members=fr-0006`` ranks who could join. No account is needed, as for the API's
cluster routes in demo mode. Form values are parsed by :mod:`service.params`; a refusal is shown next to its
field in the page's language (the message's template translated through gettext, else its English text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams

from matcher.errors import InvalidRequestError, InvalidValueError, NotFoundError
from matcher.suggestions import check_text
from matcher.taxonomy import SECTORS
from service import params
from service.catalogue import Catalogue, extend_cluster, seed_cluster
from service.catalogue.clusters import evaluate_cluster
from service.web.messages import field_error
from service.web.pages.cluster_labels import ROLE_KINDS, Labels, QualityWords, fit_segments
from service.web.pages.common import Lang
from service.web.security import catalogue_of
from service.web.templating import gettext_for, render

router = APIRouter(include_in_schema=False)

DEFAULT_SIZE, MIN_SIZE, MAX_SIZE = 8, 2, 30
MAX_THEME, MAX_LIST_TEXT, MAX_IDS, MAX_K = 1000, 500, 50, 50
# examples in the countries field's hint: a code, a French name and an Arabic name
COUNTRY_EXAMPLES = ("MA", "Tunisie", "إيطاليا")


def bdi(text: str) -> Markup:
    """A name as written, isolated from the sentence around it (a Latin name in an Arabic sentence keeps its
    order), for a translated sentence that names it: ``_("offers what %(name)s needs", name=bdi(name))``."""
    return Markup("<bdi>{}</bdi>").format(escape(text))


def ltr(text: str) -> Markup:
    """A figure that reads left to right in any page (``−0.07`` keeps its sign before the digits in Arabic)."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(text))


def country_examples(lang: str) -> Markup:
    """The countries hint's examples, each isolated and separated the page's way (``MA، Tunisie، إيطاليا``)."""
    _ = gettext_for(lang)
    return Markup(escape(_(", "))).join(bdi(x) for x in COUNTRY_EXAMPLES)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """What is wrong with one field, to show next to it; ``lang`` is set when the text is not in the page's
    language (an English reason without a translated template)."""

    text: str
    lang: str | None = None


def problem_of(exc: InvalidValueError, lang: str) -> Problem:
    """A parsing refusal in the page's language (:func:`service.web.messages.field_error`: its message's
    template translated), else its English reason, marked as English."""
    message = getattr(exc, "message", None)
    english = lang != "en" and (message is None or gettext_for(lang)(message.template) == message.template)
    return Problem(text=field_error(exc, lang) if message is not None else exc.reason,
                   lang="en" if english else None)


def whole(raw: str | None, default: int, low: int, high: int, name: str, errors: dict[str, Problem],
          lang: str) -> int:
    """A whole number typed in a number field (empty: ``default``); out of range or not a number: a problem."""
    text = (raw or "").strip()
    if not text:
        return default
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    _ = gettext_for(lang)
    errors[name] = Problem(text=_("Give a whole number from {low} to {high}.").format(low=low, high=high))
    return default


def changed_notice(lang: str) -> str:
    """Said when the catalogue changed between checking the form and using it (a profile was deleted)."""
    _ = gettext_for(lang)
    return _("The catalogue changed while this page was made: try again.")


@dataclass(kw_only=True)
class SeedForm:
    """The seed form as typed (``raw``, echoed back into the inputs and into every link of the page) and as
    parsed; ``submitted`` when the URL carries the form (its ``size``)."""

    raw: dict[str, Any]
    submitted: bool
    size: int = DEFAULT_SIZE
    min_countries: int = 2
    sectors: tuple[str, ...] = ()
    theme: str = ""
    countries: frozenset[str] = frozenset()
    require: dict[str, int] = field(default_factory=dict)
    anchors: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    def request(self) -> dict[str, Any]:
        """Keyword arguments of :func:`seed_cluster` and :func:`evaluate_cluster`."""
        return {"size": self.size, "sectors": self.sectors, "theme": self.theme or None, "countries": self.countries,
                "min_countries": self.min_countries, "require": self.require, "anchors": self.anchors}

    def url(self, lang: str, members: list[str] | None = None) -> str:
        """This request's page, showing ``members`` (none: the proposal)."""
        query: list[tuple[str, str]] = [("size", self.raw["size"])]
        query += [("sectors", s) for s in self.raw["sectors"]]
        query += [(k, self.raw[k]) for k in ("theme", "countries", "min_countries", "anchors") if self.raw[k]]
        query += [(f"role_{k}", self.raw[f"role_{k}"]) for k in ROLE_KINDS if self.raw[f"role_{k}"]]
        if members:
            query.append(("members", ",".join(members)))
        return f"/{lang}/clusters?{urlencode(query)}"


def read_seed_form(q: QueryParams, cat: Catalogue, lang: str) -> tuple[SeedForm, dict[str, Problem]]:
    """Parse the seed form from the query string; each refusal is kept under its field's name."""
    _ = gettext_for(lang)
    raw: dict[str, Any] = {k: q.get(k, "")[:MAX_THEME] for k in ("size", "min_countries", "theme", "countries",
                                                                  "anchors", "members")}
    raw["sectors"] = q.getlist("sectors")[: len(SECTORS)]
    raw |= {f"role_{k}": q.get(f"role_{k}", "")[:3] for k in ROLE_KINDS}
    form = SeedForm(raw=raw, submitted="size" in q)
    if not form.submitted:
        raw["size"], raw["min_countries"] = str(DEFAULT_SIZE), str(form.min_countries)
        return form, {}
    errors: dict[str, Problem] = {}
    form.size = whole(raw["size"], DEFAULT_SIZE, MIN_SIZE, MAX_SIZE, "size", errors, lang)
    form.min_countries = whole(raw["min_countries"], 1, 1, MAX_SIZE, "min_countries", errors, lang)
    raw["size"], raw["min_countries"] = raw["size"].strip() or str(form.size), raw["min_countries"].strip() or "1"
    counts = {k: whole(raw[f"role_{k}"], 0, 0, MAX_SIZE, "roles", errors, lang) for k in ROLE_KINDS}
    try:
        form.sectors = tuple(s for s in SECTORS if s in params.codes("sectors", raw["sectors"], SECTORS))
    except InvalidValueError as exc:
        errors["sectors"] = problem_of(exc, lang)
    form.theme = raw["theme"].strip()
    if len(q.get("theme", "")) > MAX_THEME:
        errors["theme"] = Problem(text=_("At most {limit} characters.").format(limit=MAX_THEME))
    else:
        try:
            check_text("theme", form.theme)
        except InvalidValueError as exc:
            errors["theme"] = problem_of(exc, lang)
    try:
        form.countries = params.countries("countries", raw["countries"][:MAX_LIST_TEXT])
    except InvalidValueError as exc:
        errors["countries"] = problem_of(exc, lang)
    try:
        form.require = params.require("require", [f"{k}={n}" for k, n in counts.items() if n])
    except InvalidValueError as exc:
        errors["roles"] = problem_of(exc, lang)
    form.anchors = tuple(dict.fromkeys(params.items(raw["anchors"][:MAX_LIST_TEXT])))
    unknown = [a for a in form.anchors if cat.find(a) is None]
    if unknown:
        errors["anchors"] = Problem(text=_("No profile has the id {id}.").format(id=unknown[0]))
    elif len(form.anchors) > form.size:
        errors["anchors"] = Problem(text=_("More anchors than members: give at most {size}.").format(size=form.size))
    if "size" not in errors and sum(form.require.values()) > form.size:
        errors["roles"] = Problem(text=_("These roles need {count} members, more than the size of the cluster.")
                                  .format(count=sum(form.require.values())))
    if "min_countries" not in errors and form.min_countries > form.size:
        errors["min_countries"] = Problem(text=_("At most as many countries as members ({size}).")
                                          .format(size=form.size))
    if not (form.sectors or form.theme or form.anchors) and not {"sectors", "theme", "anchors"} & errors.keys():
        errors["sectors"] = Problem(text=_("Give a focus: choose a sector, write a theme or name an anchor member."))
    form.members = tuple(params.items(raw["members"]))[:MAX_SIZE]
    return form, errors


@router.get("/{lang}/clusters")
def seed_page(request: Request, lang: Lang) -> Response:
    """The seed form and, once sent, the proposal (or the group after swaps) below it."""
    cat = catalogue_of(request)
    form, errors = read_seed_form(request.query_params, cat, lang)
    names = Labels(lang)
    context: dict[str, Any] = {"form": form, "errors": errors, "names": names, "bdi": bdi, "ltr": ltr,
                               "country_examples": country_examples(lang), "role_kinds": ROLE_KINDS, "group": None,
                               "notice": None, "words": QualityWords(names), "fit_segments": fit_segments}
    if form.submitted and not errors:
        try:
            context |= proposal(cat, form, lang)
        except InvalidValueError as exc:  # checked above; kept for a refusal the form does not foresee
            errors[exc.field if exc.field in form.raw else "sectors"] = problem_of(exc, lang)
        except (InvalidRequestError, NotFoundError):  # the catalogue changed between the checks and now
            context["notice"] = changed_notice(lang)
    return render(request, lang, "clusters/seed.html", status=422 if errors else 200, **context)


def proposal(cat: Catalogue, form: SeedForm, lang: str) -> dict[str, Any]:
    """The proposal and the group shown: the seed's members, or the ``members`` of the URL (after swaps)
    scored with the same objective; a URL naming a profile the catalogue no longer has shows the proposal."""
    _ = gettext_for(lang)
    seeded = seed_cluster(cat, **form.request())
    proposed = [m["id"] for m in seeded["members"]]
    shown, notice = proposed, None
    if form.members and list(form.members) != proposed:
        gone = [m for m in form.members if cat.find(m) is None]
        if gone or len(set(form.members)) != len(form.members):
            notice = _("This link names a profile that is no longer in the catalogue ({id}): here is the "
                       "proposal.").format(id=(gone or list(form.members))[0])
        else:
            shown = list(form.members)
    group = evaluate_cluster(cat, shown, **{**form.request(), "size": form.size})
    for member in group["members"]:
        member["swaps"] = [{**alt, "url": form.url(lang, [alt["id"] if i == member["id"] else i for i in shown])}
                           for alt in member["alternatives"]]
        member["swapped_in"] = member["id"] not in proposed
    return {"group": group, "proposed": seeded, "changed": shown != proposed,
            "delta": round(group["cohesion"] - seeded["cohesion"], 4), "notice": notice,
            "proposal_url": form.url(lang), "extend_url": f"/{lang}/clusters/extend?"
            + urlencode({"members": ",".join(shown)})}


@dataclass(kw_only=True)
class ExtendForm:
    raw: dict[str, str]
    submitted: bool
    members: list[str] = field(default_factory=list)
    k: int = 10


def read_extend_form(q: QueryParams, cat: Catalogue, lang: str) -> tuple[ExtendForm, dict[str, Problem]]:
    """The extend form: member ids (or one kind=cluster profile id) and how many candidates."""
    _ = gettext_for(lang)
    raw = {"members": q.get("members", "")[: MAX_IDS * 65], "k": q.get("k", "")[:3]}
    form = ExtendForm(raw=raw, submitted="members" in q)
    if not form.submitted:
        raw["k"] = str(form.k)
        return form, {}
    errors: dict[str, Problem] = {}
    form.k = whole(raw["k"], 10, 1, MAX_K, "k", errors, lang)
    raw["k"] = raw["k"].strip() or str(form.k)
    form.members = list(dict.fromkeys(params.items(raw["members"])))
    unknown = [m for m in form.members if cat.find(m) is None]
    if not form.members:
        errors["members"] = Problem(text=_("Give the id of a cluster, or the ids of its members."))
    elif len(form.members) > MAX_IDS:
        errors["members"] = Problem(text=_("At most {count} ids.").format(count=MAX_IDS))
    elif unknown:
        errors["members"] = Problem(text=_("No profile has the id {id}.").format(id=unknown[0]))
    elif len(form.members) == 1 and (one := cat.profile(form.members[0])).kind == "cluster":
        if not one.members:
            errors["members"] = Problem(text=_("This cluster's profile lists no members: give their ids."))
        elif all(cat.find(m) is None for m in one.members):
            errors["members"] = Problem(text=_("None of this cluster's members is in the catalogue: give the "
                                               "ids of members who are."))
    return form, errors


@router.get("/{lang}/clusters/extend")
def extend_page(request: Request, lang: Lang) -> Response:
    """Who, in other countries, could join a cluster: its members, and candidates ranked with their reasons."""
    cat = catalogue_of(request)
    form, errors = read_extend_form(request.query_params, cat, lang)
    st = cat.state(with_index=False)
    examples = [p for p in st.profiles if p.kind == "cluster" and p.members][:12]
    context: dict[str, Any] = {"form": form, "errors": errors, "names": Labels(lang), "bdi": bdi, "examples": examples,
                               "result": None, "cluster": None, "members": [], "notice": None}
    if form.submitted and not errors:
        try:
            result = extend_cluster(cat, form.members, k=form.k)
        except (InvalidRequestError, NotFoundError):  # the catalogue changed between the checks and now
            context["notice"] = changed_notice(lang)
        else:
            context |= {"result": result, "cluster": cat.find(result["cluster"]) if result["cluster"] else None,
                        "members": [p for p in (cat.find(m) for m in result["members"]) if p is not None]}
    return render(request, lang, "clusters/extend.html", status=422 if errors else 200, **context)

