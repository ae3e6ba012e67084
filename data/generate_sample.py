"""Generate the bundled sample data deterministically.

Writes ``sample_profiles.csv`` (fictitious cultural and creative organisations of the Southern
Mediterranean and Europe, described in Arabic, French or English) and ``sample_pairs.csv`` (the
cross-border pairs that are complementary by construction) next to this script, or into ``--out``.
Profiles are composed from the phrase tables in ``sample_phrases.py``; the pairs are written by
hand in ``sample_pairs_source.py``. Same code, same seed: byte-identical output.

    python data/generate_sample.py [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from sample_pairs_source import PAIRS  # noqa: E402
from sample_phrases import KIND_PHRASES, SECTOR_PHRASES, Entry  # noqa: E402

from matcher.language import detect  # noqa: E402

SEED = 2026
COLUMNS = ("id", "name", "kind", "country", "city", "sectors", "description", "offers", "needs",
           "partnership_types", "languages", "size", "website", "contact_email", "members")


@dataclass(frozen=True, kw_only=True)
class CountryPlan:
    code: str
    rows: int
    cities: tuple[str, ...]
    writes: dict[str, float]  # description language -> share
    speaks: tuple[str, ...]  # working languages
    tld: str


PLAN = (
    CountryPlan(code="MA", rows=32, cities=("Fès", "Casablanca", "Marrakech", "Rabat", "Tanger", "Safi"),
                writes={"ar": 0.45, "fr": 0.5, "en": 0.05}, speaks=("ar", "fr"), tld="ma"),
    CountryPlan(code="DZ", rows=24, cities=("Alger", "Constantine", "Batna", "Oran", "Tlemcen"),
                writes={"ar": 0.5, "fr": 0.5}, speaks=("ar", "fr"), tld="dz"),
    CountryPlan(code="TN", rows=30, cities=("Tunis", "Nabeul", "Sfax", "El Djem", "Sousse", "Kairouan"),
                writes={"ar": 0.4, "fr": 0.55, "en": 0.05}, speaks=("ar", "fr"), tld="tn"),
    CountryPlan(code="EG", rows=26, cities=("Cairo", "Alexandria", "Luxor", "Aswan", "Fayoum"),
                writes={"ar": 0.5, "en": 0.5}, speaks=("ar", "en"), tld="eg"),
    CountryPlan(code="LB", rows=24, cities=("Beirut", "Tripoli", "Saida", "Byblos", "Zahle"),
                writes={"ar": 0.35, "fr": 0.4, "en": 0.25}, speaks=("ar", "fr", "en"), tld="lb"),
    CountryPlan(code="JO", rows=22, cities=("Amman", "Irbid", "Madaba", "Salt", "Aqaba"),
                writes={"ar": 0.5, "en": 0.5}, speaks=("ar", "en"), tld="jo"),
    CountryPlan(code="PS", rows=20, cities=("Bethlehem", "Nablus", "Hebron", "Ramallah", "Jericho"),
                writes={"ar": 0.55, "en": 0.45}, speaks=("ar", "en"), tld="ps"),
    CountryPlan(code="FR", rows=24, cities=("Marseille", "Lyon", "Paris", "Montpellier", "Nice"),
                writes={"fr": 0.85, "en": 0.15}, speaks=("fr", "en"), tld="fr"),
    CountryPlan(code="IT", rows=18, cities=("Milano", "Firenze", "Napoli", "Roma", "Palermo"),
                writes={"en": 0.6, "fr": 0.4}, speaks=("it", "en"), tld="it"),
    CountryPlan(code="ES", rows=14, cities=("Barcelona", "Valencia", "Madrid", "Sevilla", "Granada"),
                writes={"en": 0.6, "fr": 0.4}, speaks=("es", "en"), tld="es"),
    CountryPlan(code="GR", rows=10, cities=("Athens", "Thessaloniki", "Heraklion", "Patras"),
                writes={"en": 1.0}, speaks=("el", "en"), tld="gr"),
    CountryPlan(code="PT", rows=8, cities=("Lisboa", "Porto", "Braga"), writes={"en": 0.7, "fr": 0.3},
                speaks=("pt", "en"), tld="pt"),
    CountryPlan(code="MT", rows=8, cities=("Valletta", "Sliema", "Mdina"), writes={"en": 1.0},
                speaks=("mt", "en"), tld="mt"),
    CountryPlan(code="CY", rows=8, cities=("Nicosia", "Limassol", "Larnaca"), writes={"en": 1.0},
                speaks=("el", "en"), tld="cy"),
    CountryPlan(code="HR", rows=8, cities=("Split", "Zagreb", "Dubrovnik"), writes={"en": 1.0},
                speaks=("hr", "en"), tld="hr"),
    CountryPlan(code="DE", rows=6, cities=("Berlin", "Hamburg", "Köln"), writes={"en": 1.0},
                speaks=("de", "en"), tld="de"),
    CountryPlan(code="BE", rows=6, cities=("Bruxelles", "Liège", "Namur"), writes={"fr": 1.0},
                speaks=("fr", "nl", "en"), tld="be"),
    CountryPlan(code="NL", rows=5, cities=("Amsterdam", "Rotterdam", "Utrecht"), writes={"en": 1.0},
                speaks=("nl", "en"), tld="nl"),
    CountryPlan(code="TR", rows=5, cities=("Istanbul", "Izmir", "Bursa"), writes={"en": 1.0},
                speaks=("tr", "en"), tld="tr"),
)

# Share of each kind among generated rows (firms are the majority, as in the cluster mapping).
KIND_SHARE = {"firm": 0.55, "cluster": 0.07, "association": 0.08, "education": 0.07, "public_body": 0.06,
              "funder": 0.05, "support_org": 0.07, "individual": 0.05}
# Sector weights for firms: design-based industries dominate the mapped clusters.
SECTOR_WEIGHT = {"crafts": 10, "fashion_textile": 8, "jewellery": 6, "furniture_interior": 7,
                 "graphic_product_design": 4, "architecture": 2, "publishing": 3, "audiovisual": 3, "music": 3,
                 "broadcasting_press": 2, "performing_arts": 2, "festivals_events": 2, "heritage_museums": 2,
                 "visual_arts": 3, "advertising": 3, "games_digital": 2, "cultural_tourism": 3,
                 "culinary_heritage": 3}
# Sectors that work together along a value chain: a firm's optional second sector.
RELATED = {"crafts": ("furniture_interior", "cultural_tourism", "jewellery"),
           "fashion_textile": ("crafts", "graphic_product_design"), "jewellery": ("fashion_textile", "crafts"),
           "furniture_interior": ("crafts", "architecture"), "publishing": ("graphic_product_design",),
           "audiovisual": ("music", "broadcasting_press"), "music": ("festivals_events", "audiovisual"),
           "performing_arts": ("festivals_events",), "heritage_museums": ("cultural_tourism",),
           "culinary_heritage": ("cultural_tourism",), "advertising": ("graphic_product_design",),
           "games_digital": ("audiovisual",)}
PARTNERSHIPS = {
    "firm": ("distribution", "supply", "subcontracting", "co_production", "licensing", "joint_venture"),
    "cluster": ("network", "co_production", "distribution"), "association": ("network", "co_production"),
    "education": ("training", "research"), "public_body": ("network", "investment"),
    "funder": ("investment",), "support_org": ("network", "training", "distribution"),
    "individual": ("subcontracting", "co_production", "licensing"),
}
NAME_PREFIX = {
    "firm": {"ar": ("دار", "ورشة", "مشغل", "استوديو", "بيت"),
             "fr": ("Atelier", "Maison", "Studio", "Comptoir", "Les Ateliers"),
             "en": ("Studio", "Workshop", "House of", "Collective", "Atelier")},
    "cluster": {"ar": ("تجمع حرفيي",), "fr": ("Cluster créatif de",), "en": ("Creative cluster of",)},
    "association": {"ar": ("جمعية", "تعاونية"), "fr": ("Association", "Coopérative"),
                    "en": ("Association", "Cooperative")},
    "education": {"ar": ("معهد", "مدرسة"), "fr": ("École", "Institut"), "en": ("Academy", "Institute")},
    "public_body": {"ar": ("الوكالة الجهوية", "مديرية"), "fr": ("Office régional", "Direction"),
                    "en": ("Regional office", "Agency")},
    "funder": {"ar": ("صندوق", "مؤسسة"), "fr": ("Fonds", "Fondation"), "en": ("Fund", "Foundation")},
    "support_org": {"ar": ("غرفة", "حاضنة"), "fr": ("Chambre", "Incubateur"), "en": ("Chamber", "Incubator")},
    "individual": {"ar": ("المصممة", "الحرفي"), "fr": ("Designer", "Artisan"), "en": ("Designer", "Maker")},
}
FAMILY = {
    "south": ("Benali", "Haddad", "Khoury", "Mansour", "Saadi", "Bennani", "Chaabane", "Nasser", "Azzam",
              "Tazi", "Farah", "Hamdan", "Jaber", "Slimani", "Zeghal", "Karam", "Awad", "Qasem"),
    "north": ("Martin", "Rossi", "García", "Papadakis", "Silva", "Borg", "Georgiou", "Horvat", "Weber",
              "Dubois", "Janssen", "Yilmaz", "Ferrari", "Moreau", "Costa", "Vidal", "Leroy", "Conti"),
}
FAMILY_AR = ("بن علي", "الحداد", "الخوري", "منصور", "السعدي", "البناني", "شعبان", "ناصر", "عزام", "التازي")
SOUTH = {"MA", "DZ", "TN", "EG", "LB", "JO", "PS"}


def pick_language(rng: random.Random, writes: dict[str, float]) -> str:
    return rng.choices(list(writes), weights=list(writes.values()))[0]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def kind_quota(total: int, rng: random.Random) -> list[str]:
    kinds = [k for k, share in KIND_SHARE.items() for _ in range(max(8, round(share * total)))]
    kinds = kinds[:total] if len(kinds) >= total else kinds + ["firm"] * (total - len(kinds))
    rng.shuffle(kinds)
    return kinds


LOCAL_TO_SOUTH = re.compile(r"médina|medina|souk|المدينة العتيقة|الأسواق|tatreez|Hebron|Chaoui", re.IGNORECASE)


def entry_for(rng: random.Random, kind: str, sector: str, lang: str, country: str) -> Entry:
    """A phrase entry; entries tied to the Maghreb or the Levant are kept for those countries."""
    table = (SECTOR_PHRASES[sector] if kind == "firm" else KIND_PHRASES[kind])[lang]
    if country not in SOUTH:
        table = [e for e in table if not LOCAL_TO_SOUTH.search(e["description"])] or table
    return rng.choice(table)


def name_for(rng: random.Random, kind: str, lang: str, city: str, country: str, n: int) -> str:
    prefix = rng.choice(NAME_PREFIX[kind][lang])
    families = FAMILY_AR if lang == "ar" else FAMILY["south" if country in SOUTH else "north"]
    family = rng.choice(families)
    if kind in ("cluster", "public_body", "support_org") or (kind != "individual" and n % 3 == 0):
        return f"{prefix} {city}" if kind == "cluster" else f"{prefix} {family} {city}"
    return f"{prefix} {family}"


def generated_rows(rng: random.Random) -> list[dict[str, str]]:
    total = sum(p.rows for p in PLAN)
    kinds = kind_quota(total, rng)
    sectors = list(SECTOR_WEIGHT)
    rows: list[dict[str, str]] = []
    seen_names: set[str] = set()
    for plan in PLAN:
        for n in range(1, plan.rows + 1):
            kind = kinds.pop()
            lang = pick_language(rng, plan.writes)
            city = rng.choice(plan.cities)
            primary = rng.choices(sectors, weights=[SECTOR_WEIGHT[s] for s in sectors])[0]
            chosen = [primary]
            if primary in RELATED and rng.random() < 0.35:
                chosen.append(rng.choice(RELATED[primary]))
            entry = entry_for(rng, kind, primary, lang, plan.code)
            name = name_for(rng, kind, lang, city, plan.code, n)
            while name in seen_names:
                name = f"{name} {rng.randint(2, 99)}"
            seen_names.add(name)
            thin = rng.random() < 0.06  # some profiles are thin, as in real directories
            description = entry["description"].format(city=city)
            if thin:
                description = re.split(r"(?<=[.!؟?])\s", description)[0]
            size = "" if rng.random() < 0.1 else str(
                rng.randint(1, 9) if kind in ("firm", "individual") and rng.random() < 0.75 else rng.randint(10, 250))
            if kind == "individual":
                size = "1"
            site = "" if rng.random() < 0.15 else f"{slug(name) or 'org'}-{n}.example.{plan.tld}"
            langs = list(dict.fromkeys([lang if lang in plan.speaks else plan.speaks[0], *plan.speaks]))
            rows.append({
                "id": f"{plan.code.lower()}-{n:04d}", "name": name, "kind": kind, "country": plan.code,
                "city": city, "sectors": ";".join(chosen), "description": description,
                "offers": "" if thin else ";".join(entry["offers"]),
                "needs": "" if thin or rng.random() < 0.08 else ";".join(entry["needs"]),
                "partnership_types": ";".join(rng.sample(PARTNERSHIPS[kind], k=min(2, len(PARTNERSHIPS[kind])))),
                "languages": ";".join(langs), "size": size,
                "website": f"https://{site}" if site else "",
                "contact_email": f"contact@{site}" if site and rng.random() < 0.8 else "",
            })
    return rows


def pair_rows() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Profiles of both sides of every constructed pair, and the pairs table."""
    profiles, pairs = [], []
    for pair in PAIRS:
        sides = {}
        for side in ("seeker", "partner"):
            raw = dict(pair[side])  # type: ignore[call-overload]
            sides[side] = raw
            profiles.append({c: ";".join(raw[c]) if isinstance(raw.get(c), list) else str(raw.get(c, "") or "")
                             for c in COLUMNS})
        seeker, partner = sides["seeker"], sides["partner"]
        pairs.append({
            "seeker_id": seeker["id"], "partner_id": partner["id"], "seeker_need": seeker["needs"][0],
            "partner_offer": partner["offers"][0],
            "languages": f"{detect(seeker['needs'][0])}->{detect(partner['offers'][0])}",
            "relation": str(pair["relation"]),
        })
    return profiles, pairs


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def add_members(rows: list[dict[str, str]], most: int = 6) -> None:
    """Each cluster lists its members: up to ``most`` non-cluster profiles of its country sharing one of its
    sectors, by id (deterministic; no random draw, so the other columns stay as they were)."""
    for cluster in (r for r in rows if r["kind"] == "cluster"):
        mine = set(cluster["sectors"].split(";"))
        found = [r["id"] for r in rows if r["kind"] != "cluster" and r["country"] == cluster["country"]
                 and mine & set(r["sectors"].split(";"))]
        cluster["members"] = ";".join(found[:most])


def check(rows: list[dict[str, str]], pairs: list[dict[str, str]]) -> list[str]:
    """Problems with the generated data, if any (the spec in the README's sample-data section)."""
    problems = []
    langs = Counter(detect(r["description"]) for r in rows)
    for lang in ("ar", "fr", "en"):
        if langs[lang] / len(rows) < 0.2:
            problems.append(f"only {langs[lang]} descriptions in {lang}")
    if len(rows) < 300 or len({r["id"] for r in rows}) != len(rows):
        problems.append("fewer than 300 rows or duplicate ids")
    kinds = Counter(r["kind"] for r in rows)
    problems += [f"kind {k} has {kinds[k]} rows" for k in KIND_SHARE if kinds[k] < 8]
    if len({r["country"] for r in rows}) < 12:
        problems.append("fewer than 12 countries")
    if any("\n" in v for r in rows for v in r.values()):
        problems.append("a cell contains a newline")
    if len(pairs) < 20:
        problems.append("fewer than 20 pairs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: next to this script)")
    parser.add_argument("--check", action="store_true", help="also verify the generated data")
    args = parser.parse_args()
    rng = random.Random(SEED)
    pair_profiles, pairs = pair_rows()
    rows = generated_rows(rng) + pair_profiles
    rows.sort(key=lambda r: r["id"])
    add_members(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "sample_profiles.csv", COLUMNS, rows)
    write_csv(args.out / "sample_pairs.csv", tuple(pairs[0]), pairs)
    print(f"{len(rows)} profiles, {len(pairs)} pairs -> {args.out}")
    if args.check:
        problems = check(rows, pairs)
        for p in problems:
            print("problem:", p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
