"""What each member brings, with evidence (the offer and need items, the gaps it fills), and the quality of the
whole group, on the crafted catalogue of test_clusters_alternatives (answers known by construction)."""

from __future__ import annotations

from matcher.clusters import Gap, seed_cluster
from tests.matcher.test_clusters_alternatives import ASKED, FOCUS, PARAMS, build, row


def test_each_member_names_the_offer_need_pairs_and_the_gaps_it_fills() -> None:
    cat, idx = build()
    seeded = seed_cluster(cat, idx, FOCUS, ASKED, PARAMS)
    by_id = {str(cat.ids[m.row]): m for m in seeded.members}
    dist, ma, tn = by_id["fr-dist"], by_id["ma-pot"], by_id["tn-pot"]
    # the distributor's one offer answers the Moroccan potter's one need (dist), not the Tunisian's (money)
    assert [(a.other, a.offer, a.need) for a in dist.serves] == \
        [(row(cat, "ma-pot"), int(cat.items["offers"].start[dist.row]), int(cat.items["needs"].start[ma.row]))]
    assert {a.other for a in dist.served_by} == {row(cat, "ma-pot"), row(cat, "tn-pot")}  # both sell it pots
    assert [a.other for a in ma.served_by] == [dist.row] and tn.served_by == ()
    assert all(a.score >= 0.5 for m in seeded.members for a in (*m.serves, *m.served_by))
    assert dist.gaps == (Gap(what="sector", value="cultural_tourism"), Gap(what="country", value="FR"))
    assert Gap(what="country", value="TN") in tn.gaps and not any(g.what == "language" for g in tn.gaps)
    assert all(m.fit_parts and abs(sum(m.fit_parts.values()) - m.fit) < 2e-3 for m in seeded.members)


def test_the_quality_of_the_whole_counts_what_is_answered_and_covered() -> None:
    cat, idx = build()
    q = seed_cluster(cat, idx, FOCUS, ASKED, PARAMS).quality
    assert (q.needs_answered, q.with_needs) == (2, 3)  # the Tunisian potter's need of money is answered by nobody
    assert q.countries_asked == ("ES", "FR", "IT", "MA", "TN") and q.countries_asked_covered == ("FR", "MA", "TN")
    assert set(q.chain_sectors_covered) == {"crafts", "cultural_tourism"} and "fashion_textile" in q.chain_sectors
    assert q.roles == ("firm",) and (q.roles_required, q.roles_met) == (0, 0)
    assert (q.languages, q.shared_language, q.sharing) == (("fr",), "fr", 3)
    assert q.cohesion == round((q.fit + q.complementarity) / 2, 4) and 0 < q.complementarity < 1
