"""Meeting outcomes in the domain: the valid values, the note, not before the meeting, and the organiser's figures
on meetings whose answers are known by construction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matcher.errors import InvalidValueError
from matcher.outcomes import HeldMeeting, OutcomeTooEarlyError, check_outcome, check_started, summarise


def test_an_outcome_is_one_of_the_valid_values_with_a_short_note() -> None:
    assert check_outcome(" Follow_Up ", " à suivre\r\nà Tunis ") == ("follow_up", "à suivre\nà Tunis")
    with pytest.raises(InvalidValueError) as exc:
        check_outcome("great")
    assert exc.value.field == "outcome" and exc.value.code == "choose_one"
    assert exc.value.reason == "choose one of no_show, not_relevant, useful, follow_up, agreement"
    with pytest.raises(InvalidValueError, match="at most 500 characters") as long:
        check_outcome("useful", "x" * 501)
    assert long.value.field == "note"
    with pytest.raises(InvalidValueError, match="U\\+001B") as control:
        check_outcome("useful", "ok\x1b[31m")
    assert control.value.field == "note"


def test_no_outcome_before_the_meeting_starts() -> None:
    start = datetime(2031, 12, 1, 8, tzinfo=UTC)
    with pytest.raises(OutcomeTooEarlyError, match="meeting 7 starts at 2031-12-01 09:00 \\(Africa/Tunis\\)"):
        check_started(7, start, start - timedelta(seconds=1), shown_start="2031-12-01 09:00 (Africa/Tunis)")
    check_started(7, start, start, shown_start="")  # from its first second on


def meeting(rid: int, countries: tuple[str, str], sectors: set[str], *outcomes: str) -> HeldMeeting:
    return HeldMeeting(request_id=rid, countries=countries, sectors=frozenset(sectors), outcomes=outcomes)


def test_four_held_meetings_one_follow_up_and_one_agreement_make_half() -> None:
    held = [meeting(1, ("FR", "TN"), {"crafts"}, "follow_up", "useful"),
            meeting(2, ("FR", "TN"), {"crafts", "jewellery"}, "no_show"),
            meeting(3, ("IT", "MA"), {"music"}, "not_relevant", "agreement"),  # the best side counts
            meeting(4, ("IT", "MA"), {"crafts"})]  # nobody answered
    found = summarise(9, held, scheduled=6)
    assert (found.held, found.scheduled, found.overall.fruitful, found.share) == (4, 6, 2, 0.5)
    assert found.counts == {"no_show": 1, "not_relevant": 0, "useful": 0, "follow_up": 1, "agreement": 1}
    assert found.unrecorded == 1
    assert found.answers == {"no_show": 1, "not_relevant": 1, "useful": 1, "follow_up": 1, "agreement": 1}
    assert {s: (x.held, x.fruitful) for s, x in found.by_sector.items()} == {
        "crafts": (3, 1), "jewellery": (1, 0), "music": (1, 1)}
    assert list(found.by_sector) == ["crafts", "jewellery", "music"]  # most held first, then by code
    assert {p: x.share for p, x in found.by_country_pair.items()} == {("FR", "TN"): 0.5, ("IT", "MA"): 0.5}
    as_json = found.to_dict()
    assert as_json["share"] == 0.5 and as_json["by_country_pair"][0] == {"countries": ["FR", "TN"], "held": 2,
                                                                         "fruitful": 1, "share": 0.5}


def test_no_held_meeting_has_no_share() -> None:
    found = summarise(1, [], scheduled=3)
    assert found.held == 0 and found.share is None and found.by_sector == {} and found.unrecorded == 0
