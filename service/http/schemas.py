"""HTTP request and response models: the limits a client can rely on, in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from matcher.profile import MAX_ITEMS, MAX_MEMBERS, MAX_NAME, MAX_TEXT

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Short = Annotated[str, StringConstraints(max_length=MAX_NAME)]
Items = Annotated[list[Text], Field(max_length=MAX_ITEMS)]
Codes = Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=MAX_ITEMS)]
Members = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=64)]], Field(max_length=MAX_MEMBERS)]


class ProfileIn(BaseModel):
    """A profile as a client sends it; countries, sectors and other codes are checked by the domain
    validator, whose messages name the valid choices."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
    kind: Annotated[str, StringConstraints(max_length=40)]
    country: Annotated[str, StringConstraints(max_length=100)]
    city: Short = ""
    sectors: Annotated[Codes, Field(min_length=1)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    offers: Items = Field(default_factory=list)
    needs: Items = Field(default_factory=list)
    partnership_types: Codes = Field(default_factory=list)
    languages: Codes = Field(default_factory=list)
    size: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    website: Annotated[str, StringConstraints(max_length=300)] = ""
    contact_email: Annotated[str, StringConstraints(max_length=254)] = ""
    members: Members = Field(default_factory=list, description="a kind=cluster profile's member ids")


class ProfilePatch(BaseModel):
    """Some fields of a profile; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)] | None = None
    kind: Annotated[str, StringConstraints(max_length=40)] | None = None
    country: Annotated[str, StringConstraints(max_length=100)] | None = None
    city: Short | None = None
    sectors: Annotated[Codes, Field(min_length=1)] | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)] | None = None
    offers: Items | None = None
    needs: Items | None = None
    partnership_types: Codes | None = None
    languages: Codes | None = None
    size: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    website: Annotated[str, StringConstraints(max_length=300)] | None = None
    contact_email: Annotated[str, StringConstraints(max_length=254)] | None = None
    members: Members | None = None


class ProfileOut(BaseModel):
    id: str
    name: str
    kind: str
    country: str
    city: str
    sectors: list[str]
    description: str
    offers: list[str]
    needs: list[str]
    partnership_types: list[str]
    languages: list[str]
    size: int | None
    website: str
    contact_email: str | None = Field(None, description="Only returned to admin keys.")
    members: list[str] = Field(default_factory=list, description="A kind=cluster profile's member ids.")


class ProfilePage(BaseModel):
    items: list[ProfileOut]
    next_cursor: str | None


class Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: Codes = Field(default_factory=list)
    exclude_countries: Codes = Field(default_factory=list)
    sectors: Codes = Field(default_factory=list)
    kinds: Codes = Field(default_factory=list)
    partnership_types: Codes = Field(default_factory=list)
    allow_same_country: bool = False
    shared_language: bool = False


class SuggestRequest(Constraint):
    """Suggestions for a draft: free text (who you are or what you look for), offers and needs."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    offers: Items = Field(default_factory=list)
    needs: Items = Field(default_factory=list)
    country: Annotated[str, StringConstraints(max_length=100)] | None = None
    k: Annotated[int, Field(ge=1, le=100)] = 10


class Evidence(BaseModel):
    mine: str
    theirs: str
    similarity: float
    relation: str


class RelatedPartner(BaseModel):
    name: str
    country: str


class RelationOut(BaseModel):
    """A relationship reason: partners shared with you (up to two named, ``more`` others) or a meeting held."""

    kind: Literal["shared_partners", "met_at_event"]
    partners: list[RelatedPartner]
    more: int
    event: str
    outcome: str
    text: str


class SuggestionOut(BaseModel):
    id: str
    name: str
    country: str
    city: str
    kind: str
    sectors: list[str]
    score: float
    components: dict[str, float]
    evidence: list[Evidence]
    admitted_by: list[str]
    reason: str
    relations: list[RelationOut] = []


class SuggestionsOut(BaseModel):
    query: dict[str, Any]
    eligible: int
    cap_relaxed: bool
    ranking: Literal["learned", "weighted_mean"] = "weighted_mean"
    ranking_note: str = ""  # why the weighted mean although a ranking model is saved ("" otherwise)
    suggestions: list[SuggestionOut]


class ImportReport(BaseModel):
    records: int
    written: int
    inserted: int
    updated: int
    rejected_rows: int
    atomic: bool
    encoded_texts: int
    cached_texts: int
    errors: list[dict[str, Any]] = Field(description="the first 100 errors (error_count says how many in all)")
    error_count: int
    errors_listed: int
    valid_values: dict[str, list[str]] = Field(
        description="each list of valid values that an error refers to (its 'valid_values' key), once")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    ready: bool
    profiles: int
    model_id: str
    index_fresh: bool


class ClusterSeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: Annotated[int, Field(ge=2, le=100)]
    sectors: Codes = Field(default_factory=list)
    theme: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None
    countries: Codes = Field(default_factory=list)
    min_countries: Annotated[int, Field(ge=1, le=50)] = 1
    require: dict[Annotated[str, StringConstraints(max_length=40)], Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=dict, max_length=10)
    anchors: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=50)] = Field(
        default_factory=list)


class ClusterExtendRequest(BaseModel):
    """The cluster as its member ids, or as the one id of a kind=cluster profile that lists its members."""

    model_config = ConfigDict(extra="forbid")

    members: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=200)]
    k: Annotated[int, Field(ge=1, le=100)] = 10


class ClusterProfileOut(BaseModel):
    id: str
    name: str
    country: str
    kind: str
    city: str = ""


class ClusterAnswerOut(ClusterProfileOut):
    """An offer answering a need inside the cluster: the other member, the two phrases, the calibrated match."""

    offer: str
    need: str
    score: float


class ClusterAlternativeOut(ClusterProfileOut):
    delta: float = Field(description="change of the objective if swapped in for this member")
    cohesion_change: float


class ClusterGapOut(BaseModel):
    what: str = Field(description="sector, role, country or language")
    value: str


class ClusterMemberOut(ClusterProfileOut):
    role: str
    fit: float = Field(description="0 = a typical eligible profile, 1 = the best available")
    fit_parts: dict[str, float] = Field(description="theme, sectors, value_chain: they add up to the fit (unclipped)")
    gain: float = Field(description="what the member adds to the objective: F(S) - F(S without it)")
    anchor: bool
    new_country: bool
    complements: list[ClusterProfileOut]
    serves: list[ClusterAnswerOut] = Field(description="its offers answering other members' needs")
    served_by: list[ClusterAnswerOut] = Field(description="other members' offers answering its needs")
    gaps: list[ClusterGapOut] = Field(description="what only this member brings to the cluster")
    worked_with: list[ClusterProfileOut]
    reason: str
    alternatives: list[ClusterAlternativeOut]


class ClusterMissingCountryOut(BaseModel):
    country: str
    reason: str = Field(description="no_eligible, no_slot, or swap (the best candidate there and what it costs)")
    candidate: ClusterProfileOut | None
    replaces: ClusterProfileOut | None
    delta: float
    cohesion_change: float
    text: str


class ClusterShortfallOut(BaseModel):
    what: str
    have: int
    wanted: int


class ClusterSeedOut(BaseModel):
    members: list[ClusterMemberOut]
    objective: float
    cohesion: float
    fit: float
    complementarity: float
    sectors_covered: list[str]
    countries: list[str]
    alternatives: dict[str, list[str]] = Field(description="member id -> the next best candidates for its slot")
    missing_countries: list[ClusterMissingCountryOut] = Field(description="countries asked for without a member")
    quality: dict[str, dict[str, Any]] = Field(
        description="cohesion, value_chain, roles, countries, languages, complementarity: figures and a line each")
    shortfalls: list[ClusterShortfallOut]
    unmet: list[str] = Field(description="constraints that could not be met, in words")


class ClusterCandidateOut(BaseModel):
    id: str
    name: str
    country: str
    kind: str
    score: float
    components: dict[str, float]


class ClusterExtendOut(BaseModel):
    cluster: str | None = Field(description="the kind=cluster profile whose members were used, if one was given")
    members: list[str]
    missing_members: list[str] = Field(description="members the cluster profile lists that are not in the catalogue")
    candidates: list[ClusterCandidateOut]


class RelationshipIn(BaseModel):
    """A partnership between two profiles (the other kinds are derived, never sent)."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    target: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: Annotated[str, StringConstraints(max_length=40)] = "partnership"
    date: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="when it began: YYYY-MM-DD, or a year (YYYY); not in the future")
    origin: Annotated[str, StringConstraints(max_length=300)] = Field(
        "", description="where it is known from, e.g. CORDIS or EEN (at most 100 characters)")
    reference: Annotated[str, StringConstraints(max_length=300)] = Field(
        "", description="the project's or contract's reference (at most 200 characters)")


class RelationshipOut(BaseModel):
    id: int | None = Field(description="stored partnerships only; derived relationships have none")
    source: str = Field(description="profile id (cluster_member: the cluster; partnership: the smaller id)")
    target: str = Field(description="profile id (cluster_member: the member)")
    kind: Literal["partnership", "cluster_member", "met_at_event"]
    date: str = Field(description="YYYY-MM-DD")
    origin: str = Field(description="partnership: its source (CORDIS, EEN...); met_at_event: the event's name")
    reference: str = Field(description="partnership: the project's reference; met_at_event: event:<id>")
    outcome: Literal["", "no_show", "not_relevant", "useful", "follow_up", "agreement"] = Field(
        description="met_at_event: the best outcome either side recorded ('' if none)")


class RelationshipImportReport(BaseModel):
    records: int
    written: int
    inserted: int
    updated: int
    rejected_rows: int
    atomic: bool
    errors: list[dict[str, Any]] = Field(description="the first 100 errors (error_count says how many in all)")
    error_count: int
    errors_listed: int
    valid_values: dict[str, list[str]]
