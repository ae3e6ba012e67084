"""Documented relation tables: which sectors work together, which kinds fit which partnerships."""

from __future__ import annotations

import numpy as np

from matcher.taxonomy import SECTOR_GROUP, SECTORS

SAME_SECTOR, VALUE_CHAIN, SAME_GROUP = 1.0, 0.6, 0.3

# Sectors that work together along a value chain (symmetric). Producers need designers, designers
# need printers and publishers, crafts sell through fashion and tourism, media feed each other.
VALUE_CHAINS: tuple[tuple[str, ...], ...] = (
    ("crafts", "fashion_textile", "cultural_tourism"),
    ("crafts", "furniture_interior", "architecture"),
    ("crafts", "jewellery", "fashion_textile"),
    ("crafts", "graphic_product_design"),
    ("fashion_textile", "graphic_product_design", "advertising"),
    ("furniture_interior", "graphic_product_design"),
    ("audiovisual", "music", "broadcasting_press"),
    ("audiovisual", "games_digital", "advertising"),
    ("publishing", "graphic_product_design", "broadcasting_press"),
    ("performing_arts", "festivals_events", "music"),
    ("heritage_museums", "cultural_tourism", "crafts"),
    ("heritage_museums", "visual_arts", "architecture"),
    ("culinary_heritage", "cultural_tourism", "festivals_events"),
    ("visual_arts", "festivals_events", "graphic_product_design"),
)

# The kinds of partner that fit each partnership type the asker looks for.
KIND_FIT: dict[str, frozenset[str]] = {
    "distribution": frozenset({"firm", "cluster"}),
    "supply": frozenset({"firm", "cluster", "individual"}),
    "subcontracting": frozenset({"firm", "individual"}),
    "co_production": frozenset({"firm", "association", "individual", "cluster"}),
    "joint_venture": frozenset({"firm"}),
    "licensing": frozenset({"firm", "individual"}),
    "investment": frozenset({"funder", "public_body"}),
    "training": frozenset({"education", "support_org"}),
    "research": frozenset({"education"}),
    "network": frozenset({"cluster", "support_org", "association", "public_body"}),
}


def sector_affinity_matrix() -> np.ndarray:
    """(S, S) float32 over SECTORS: 1 same sector, 0.6 value chain, 0.3 same UNIDO group, else 0."""
    index = {s: i for i, s in enumerate(SECTORS)}
    m = np.zeros((len(SECTORS), len(SECTORS)), np.float32)
    for a in SECTORS:
        for b in SECTORS:
            if SECTOR_GROUP[a] == SECTOR_GROUP[b]:
                m[index[a], index[b]] = SAME_GROUP
    for chain in VALUE_CHAINS:
        for a in chain:
            for b in chain:
                m[index[a], index[b]] = max(m[index[a], index[b]], VALUE_CHAIN)
    np.fill_diagonal(m, SAME_SECTOR)
    return m


SECTOR_AFFINITY = sector_affinity_matrix()


def fitting_kinds(partnership_types: tuple[str, ...]) -> frozenset[str]:
    """Kinds that fit any of the partnership types an asker looks for."""
    return frozenset().union(*(KIND_FIT[t] for t in partnership_types)) if partnership_types else frozenset()
