"""What suggest keeps in memory between requests changes no answer: the askers' query vectors (a second suggestion
reads no vector from the database) and the per-version groupings and id checks of :mod:`matcher.candidates` and
:mod:`matcher.constraints`; after writes (texts changed, a profile added in other languages) the answer equals
that of a catalogue opened from scratch."""

from __future__ import annotations

import pytest

from service.catalogue import Catalogue, ingest, suggest
from service.settings import Settings
from tests.conftest import FakeEncoder, record

PROFILES = [
    record("tn-1", description="glazed pottery workshop in Nabeul", needs="distributor in Europe; concept store"),
    record("fr-1", country="FR", description="concept store importing ceramics", offers="distribution in Europe",
           needs="handmade pottery"),
    record("it-1", country="IT", description="design studio for ceramics", offers="export catalogue; distribution"),
    record("ma-1", country="MA", description="weaving cooperative", offers="rugs and small series"),
    record("es-1", country="ES", description="museum shop buying crafts", needs="glazed pottery; rugs"),
]


def lists(cat: Catalogue, pid: str) -> dict[str, object]:
    return suggest(cat, pid, k=3).to_dict()


def test_query_vectors_are_kept_and_a_write_gives_the_from_scratch_answer(
        tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = Catalogue.open(Settings(db=tmp_db), encoder=FakeEncoder())
    ingest(cat, PROFILES)
    first = lists(cat, "tn-1")
    asked: list[list[str]] = []
    read = Catalogue.vectors

    def counted(self: Catalogue, texts: list[str], *, role: str) -> object:
        asked.append(list(texts))
        return read(self, texts, role=role)  # type: ignore[arg-type]

    monkeypatch.setattr(Catalogue, "vectors", counted)
    assert lists(cat, "tn-1") == first and asked == []  # every query vector kept from the first request
    # a write that changes the asker's texts and a candidate's: new texts are read, the answer is the fresh one
    ingest(cat, [record("tn-1", description="glazed pottery and tiles workshop", needs="museum shops in Spain"),
                 record("es-1", country="ES", description="museum shop buying crafts", needs="tiles"),
                 record("eg-1", country="EG", description="ورشة فخار مزجج في القاهرة", offers="فخار مزجج; بلاط",
                        needs="موزع في أوروبا")])
    after = lists(cat, "tn-1")
    assert len(asked) == 1 and asked[0][0].endswith("glazed pottery and tiles workshop")  # its overall text
    assert asked[0][1:] == ["museum shops in Spain"]  # its offers are unchanged: kept
    assert after != first
    fresh = Catalogue.open(Settings(db=tmp_db), encoder=FakeEncoder())
    for pid in ("tn-1", "eg-1", "fr-1"):
        assert lists(fresh, pid) == lists(cat, pid)
    assert lists(fresh, "tn-1") == after
