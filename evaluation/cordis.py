"""The CORDIS protocol: do suggestions find the partners organisations really chose?

Data: ../shared/data/cordis-partnerships (© European Union, CORDIS, CC BY 4.0). Protocol:

- duplicate organisation ids are merged by normalised name + country (the data README's defect);
- split by time: every FP7 project and every H2020 project whose grant number is below the cut form
  the history; H2020 projects at or above the cut (the most recent ~10 %) are held out;
- an organisation's profile is built from its history only: name, kind, country, and one text per
  history project (its title and call topic) — never a held-out project (the leakage rule);
- a query is each member of a held-out project that has a history; its relevant set is the
  project's other members from other countries that have a history; the candidates are every
  organisation with a history outside the query's country.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "cordis-partnerships"
KIND_OF_TYPE = {"HES": "education", "PRC": "firm", "REC": "education", "PUB": "public_body", "OTH": "association"}
COUNTRY_FIX = {"EL": "GR", "UK": "GB"}
SOUTH_MED = {"MA", "DZ", "TN", "LY", "EG", "PS", "IL", "JO", "LB", "SY", "TR"}
CUT_QUANTILE = 0.9


def normalise_name(name: str) -> str:
    """Upper-case legal names compared without accents, punctuation or legal-form noise."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True, kw_only=True)
class Org:
    id: str
    name: str
    country: str  # "" when unknown
    type: str  # HES, PRC, REC, PUB, OTH or "" when unknown

    @property
    def kind(self) -> str:
        return KIND_OF_TYPE.get(self.type, "association")


@dataclass(frozen=True, kw_only=True)
class Project:
    id: int
    fp: str
    title: str
    topic_code: str
    topic: str
    theme: str
    sc6: bool

    @property
    def text(self) -> str:
        return f"{self.title}. {self.topic}".strip(". ")


@dataclass(frozen=True, kw_only=True)
class Cordis:
    orgs: dict[str, Org]
    projects: dict[int, Project]
    members: dict[int, list[str]]  # project -> distinct canonical org ids
    merged_ids: int  # how many raw ids were folded into another


def load(root: Path = DEFAULT_ROOT) -> Cordis:
    """Read the two files, merge duplicate organisations, keep the most frequent name and type."""
    import pandas as pd

    parts = pd.read_csv(root / "participations.csv.gz", dtype=str, keep_default_na=False)
    projects = pd.read_csv(root / "projects.csv.gz", dtype=str, keep_default_na=False)
    parts["country"] = parts["country"].map(lambda c: COUNTRY_FIX.get(c, c))
    parts["key"] = [f"{normalise_name(n)}|{c}" if n else f"id:{i}" for n, c, i in
                    zip(parts["name"], parts["country"], parts["org_id"], strict=True)]
    # canonical id per key: the raw id with the most participations (numeric codes first on ties)
    counts = parts.groupby(["key", "org_id"]).size().reset_index(name="n")
    counts["numeric"] = counts["org_id"].str.isdigit()
    counts = counts.sort_values(["key", "n", "numeric", "org_id"], ascending=[True, False, False, True])
    canonical = dict(zip(counts.drop_duplicates("key")["key"], counts.drop_duplicates("key")["org_id"], strict=True))
    # an id seen under several keys (different spellings) keeps its most frequent key's canonical id
    by_id = parts.groupby("org_id")["key"].agg(lambda s: Counter(s).most_common(1)[0][0])
    parts["cid"] = parts["org_id"].map(lambda i: canonical[by_id[i]])
    def common(values: Sequence[str]) -> str:
        present = [v for v in values if v]
        return Counter(present).most_common(1)[0][0] if present else ""

    orgs = {str(cid): Org(id=str(cid), name=common(g["name"]), country=common(g["country"]), type=common(g["type"]))
            for cid, g in parts.groupby("cid")}
    members: dict[int, list[str]] = defaultdict(list)
    for pid, cid in zip(parts["project_id"].astype(int), parts["cid"], strict=True):
        if cid not in members[pid]:
            members[pid].append(cid)
    project_map = {}
    for row in projects.itertuples(index=False):
        pid = int(row.project_id)
        if pid in members:
            project_map[pid] = Project(id=pid, fp=row.fp, title=row.title, topic_code=row.topic_code,
                                       topic=row.topic_descr, theme=row.theme, sc6=row.sc6 == "True")
    for pid in members:  # participations without a project row: history without text
        project_map.setdefault(pid, Project(id=pid, fp="", title="", topic_code="", topic="", theme="", sc6=False))
    return Cordis(orgs=orgs, projects=project_map, members=dict(members),
                  merged_ids=parts["org_id"].nunique() - len(orgs))


@dataclass(frozen=True, kw_only=True)
class Split:
    cut: int  # H2020 grant numbers >= cut are held out
    history: frozenset[int]
    held_out: tuple[int, ...]


def time_split(data: Cordis, quantile: float = CUT_QUANTILE) -> Split:
    """History = FP7 + H2020 below the cut; held out = H2020 at or above it (grant numbers grow with time)."""
    h2020 = np.array(sorted(p for p, proj in data.projects.items() if proj.fp == "H2020" and len(data.members[p]) > 1))
    cut = int(np.quantile(h2020, quantile))
    held = tuple(sorted(p for p in data.projects if data.projects[p].fp == "H2020" and p >= cut))
    history = frozenset(p for p in data.projects if p not in set(held))
    return Split(cut=cut, history=history, held_out=held)


@dataclass(frozen=True, kw_only=True)
class Query:
    org: str
    project: int
    relevant: frozenset[str]


@dataclass(kw_only=True)
class Protocol:
    """Profiles from history, queries from held-out projects, and the text of every history project."""

    data: Cordis
    split: Split
    org_ids: list[str]  # organisations with a history (the candidate universe), sorted
    history_of: dict[str, list[int]]  # org -> its history projects
    queries: list[Query]
    skipped_no_relevant: int = 0
    texts: dict[int, str] = field(default_factory=dict)  # history project -> text

    def country(self, org: str) -> str:
        return self.data.orgs[org].country


def build_protocol(data: Cordis, split: Split, limit: int | None = None) -> Protocol:
    """Queries and profiles following the leakage rule; ``limit`` keeps the first N held-out projects
    that yield at least one query (a quick run)."""
    history_of: dict[str, list[int]] = defaultdict(list)
    for pid in sorted(split.history):
        for org in data.members[pid]:
            history_of[org].append(pid)
    with_history = set(history_of)
    queries: list[Query] = []
    skipped, used = 0, 0
    for pid in split.held_out:
        if limit is not None and used >= limit:
            break
        before = len(queries)
        members = [m for m in data.members[pid] if m in with_history]
        for q in members:
            cq = data.orgs[q].country
            relevant = frozenset(m for m in members if m != q and data.orgs[m].country != cq)
            if relevant:
                queries.append(Query(org=q, project=pid, relevant=relevant))
            else:
                skipped += 1
        used += len(queries) > before
    texts = {pid: data.projects[pid].text for pid in split.history if data.projects[pid].text}
    return Protocol(data=data, split=split, org_ids=sorted(with_history), history_of=dict(history_of),
                    queries=queries, skipped_no_relevant=skipped, texts=texts)


def slices(protocol: Protocol, query: Query) -> list[str]:
    """The report slices a query belongs to."""
    out = ["all"]
    org = protocol.data.orgs[query.org]
    if org.country in SOUTH_MED:
        out.append("south_med")
    if protocol.data.projects[query.project].sc6:
        out.append("sc6")
    if org.type == "PRC":
        out.append("firms")
    return out


def topic_sets(protocol: Protocol, orgs: Sequence[str]) -> list[set[str]]:
    """Call topics and programme themes of each organisation's history (non-text signals)."""
    out = []
    for org in orgs:
        codes: set[str] = set()
        for pid in protocol.history_of.get(org, []):
            proj = protocol.data.projects[pid]
            if proj.topic_code:
                codes.add("topic:" + proj.topic_code)
            if proj.theme:
                codes.add("theme:" + proj.theme)
        out.append(codes)
    return out
