from __future__ import annotations

import csv
from pathlib import Path

import pytest

from storage.dzn import DznError, parse_dzn, read_instance
from tests.conftest import shared_data

SMALL = """% a tiny event: 4 participants, 3 meetings
nBusiness = 4;
nMeetings = 3;
nTables = 2;   % two tables
nTotalSlots = 4;
nMorningSlots = 2;
requested = [|1, 2, 3,
|1, 3,1,
|4, 2,
2, |];
meetingsxBusiness = [{1,2,3},
{1,2,4},
{1,3},
{1,4}];
nMeetingsBusiness = [2,2,1,1];
forbidden = [{0},
{0, 4},
{},
{0}];
fixed = [0,0,3];
precedences = [{}, {1}, {}];
"""


def test_parser_reads_every_value_kind() -> None:
    fields = parse_dzn("a = 3; b = [1, 2,\n 3]; c = [| 1, 2 | 3, 4 |]; d = [{}, {0, 2}, {1..3}]; e = true; % end")
    assert fields == {"a": 3, "b": [1, 2, 3], "c": [[1, 2], [3, 4]],
                      "d": [frozenset(), frozenset({0, 2}), frozenset({1, 2, 3})], "e": True}


def test_small_instance_is_converted_to_zero_based(tmp_path: Path) -> None:
    path = tmp_path / "small.dzn"
    path.write_text(SMALL, "utf-8")
    inst = read_instance(path)
    assert (inst.n_participants, inst.n_slots, inst.n_morning, inst.n_tables) == (4, 4, 2, 2)
    assert [(m.a, m.b, m.session) for m in inst.meetings] == [(0, 1, 3), (0, 2, 1), (3, 1, 2)]
    assert [m.fixed for m in inst.meetings] == [None, None, 2]
    assert [m.after for m in inst.meetings] == [(), (0,), ()]
    assert inst.forbidden == (frozenset(), frozenset({3}), frozenset(), frozenset())


@pytest.mark.parametrize(("text", "field"), [
    ("nBusiness = 4", "nBusiness"),  # missing ';' at the end
    ("nBusiness = [1, 2;", "nBusiness"),
    ("nBusiness = 4; nBusiness = 5;", "nBusiness"),
])
def test_malformed_text_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DznError, match=field):
        parse_dzn(text, source="bad.dzn")


@pytest.mark.parametrize(("old", "new", "field"), [
    ("nTables = 2;", "nTables = 0;", "nTables"),
    ("|1, 3,1,", "|1, 9,1,", "requested"),
    ("|1, 3,1,", "|1, 3,7,", "requested"),
    ("fixed = [0,0,3];", "fixed = [0,0];", "fixed"),
    ("fixed = [0,0,3];", "fixed = [0,0,9];", "fixed"),
    ("nMeetingsBusiness = [2,2,1,1];", "nMeetingsBusiness = [2,2,1,2];", "nMeetingsBusiness"),
    ("{1,4}];", "{1,3}];", "meetingsxBusiness"),
    ("precedences = [{}, {1}, {}];", "precedences = [{}, {2}, {}];", "precedences"),
    ("nTotalSlots = 4;", "", "nTotalSlots"),
])
def test_inconsistent_files_are_rejected_with_file_and_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in SMALL
    path = tmp_path / "bad.dzn"
    path.write_text(SMALL.replace(old, new), "utf-8")
    with pytest.raises(DznError, match=rf"bad\.dzn.*{field}"):
        read_instance(path)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["tic-12", "forum-13crafb"])
def test_real_files_match_the_published_sizes(name: str) -> None:
    data = shared_data("b2b-meetings")
    with (data / "published_optima.csv").open(encoding="utf-8") as handle:
        sizes = {row["instance"]: row for row in csv.DictReader(handle)}[name]
    inst = read_instance(data / "original" / f"{name}.original.dzn")
    assert inst.n_participants == int(sizes["participants"])
    assert len(inst.meetings) == int(sizes["meetings"])
    assert inst.n_slots == int(sizes["slots"])
    assert inst.n_tables == int(sizes["tables"])
    assert inst.n_morning == int(sizes["morning_slots"])
    assert all(m.fixed is None and not m.after for m in inst.meetings)


@pytest.mark.shared_data
def test_variant_files_carry_their_constraints() -> None:
    data = shared_data("b2b-meetings")
    fixed = read_instance(data / "fixed" / "tic-12.fixed040-Forb.dzn")
    assert sum(m.fixed is not None for m in fixed.meetings) > 0.3 * len(fixed.meetings)
    prec = read_instance(data / "precedences" / "tic-12.prec25.dzn")
    assert any(m.after for m in prec.meetings)
    assert all(o != m for m, meeting in enumerate(prec.meetings) for o in meeting.after)
