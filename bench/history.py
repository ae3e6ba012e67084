"""A synthetic partnership history with a planted structure, for training the learned ranker in tests and in
bench/learned.py: communities of five organisations in five countries worked together along a chain (a–b–c–d–e)
in 2012–2021, then, in 2022–2025, partnered with the partners of their partners (a–c, c–e): the triangle closing
the graph features see and the texts do not. Random partnerships across the catalogue (as many as the chains'
edges), dated 2012–2021, are the noise. The labels are the newest fifth of the partnerships, as
``ccimatch model train-ranker`` splits them."""

from __future__ import annotations

import datetime

import numpy as np

from matcher.relationships import Relationship, partnership

SIZE = 5  # organisations per community


def planted_history(ids: list[str], countries: list[str], *, communities: int, seed: int = 0
                    ) -> list[Relationship]:
    """Partnerships between ``ids`` (whose countries are ``countries``): ``communities`` chains of five in five
    countries with their closing edges, plus as many random partnerships as the chains hold."""
    rng = np.random.default_rng(seed)
    by_country: dict[str, list[str]] = {}
    for pid, country in zip(ids, countries, strict=True):
        by_country.setdefault(country, []).append(pid)
    for members in by_country.values():
        rng.shuffle(members)
    used: set[str] = set()
    out: list[Relationship] = []

    def day(first: int, last: int) -> datetime.date:
        return datetime.date(int(rng.integers(first, last + 1)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))

    for c in range(communities):
        open_countries = [k for k, v in by_country.items() if any(p not in used for p in v)]
        if len(open_countries) < SIZE:
            break
        chosen = rng.choice(open_countries, SIZE, replace=False)
        group = [next(p for p in by_country[str(k)] if p not in used) for k in chosen]
        used.update(group)
        out += [partnership(group[i], group[i + 1], date=day(2012, 2021), reference=f"chain-{c}-{i}")
                for i in range(SIZE - 1)]
        out += [partnership(group[0], group[2], date=day(2022, 2025), reference=f"closing-{c}-0"),
                partnership(group[2], group[4], date=day(2022, 2025), reference=f"closing-{c}-1")]
    chains = sum(r.reference.startswith("chain") for r in out)
    seen = {r.key[:2] for r in out}
    while chains > 0:
        a, b = rng.choice(len(ids), 2, replace=False)
        if countries[a] == countries[b] or tuple(sorted((ids[a], ids[b]))) in seen:
            continue
        seen.add(tuple(sorted((ids[a], ids[b]))))
        out.append(partnership(ids[a], ids[b], date=day(2012, 2021), reference=f"noise-{chains}"))
        chains -= 1
    return out
