"""Why an event has no schedule, or why a meeting is left out: structured reasons, rendered in English on demand.

A :class:`Reason` carries 0-based indexes (participants, meetings, slots) and two stable codes, so that a front
end can name participants and meetings its own way and translate the sentence; :attr:`Reason.text` renders the
solver's English sentence, numbering from 1 as the MiniZinc instances and the event timetables do.

``family`` says which constraint is to blame, from a closed set:

- the constraint families a diagnosis may drop (:data:`FAMILIES`): ``fairness`` (the break fairness bound),
  ``precedences`` (meetings that must come after others), ``fixed`` (imposed slots), ``forbidden`` (slots a
  participant cannot use), ``sessions`` (morning / afternoon);
- ``capacity``: slots and tables as a whole, or a participant's usable slots;
- ``tables``: every table is taken in the slots where both participants are free;
- ``priority``: musts, or better-matched wants, of the same participants took the slots;
- ``time_limit``: dropping a family was not decided in time.

``kind`` says which sentence it is. The fields hold what the sentence names; a left-out meeting's reason also
names its two participants (``participants``) unless the sentence is about fewer of them.

==========================  ===========================================================================
``no_slot``                 meeting m (participants a, b) has no allowed slot; ``detail`` is its session,
                            ``slots`` its fixed slot if any; ``family`` alone (fixed, forbidden or
                            sessions) leaves it no slot
``no_slot_combined``        the same, but no single family explains it (``family`` is ``sessions``)
``overloaded``              participant p has ``counts[0]`` meetings for ``counts[1]`` usable slots; ``family``
                            alone (fixed, forbidden or sessions) takes them away, else ``capacity``
``cycle``                   the precedences among ``meetings`` form a cycle
``feasible_without``        dropping any one of ``families`` alone restores feasibility
``undecided``               dropping ``families`` was not decided in time
``infeasible_without_any``  infeasible even without any single one of ``families``
``too_many_meetings``       too many meetings for the slots and tables (no family present to drop)
``no_common_slot``          (left out) no slot allowed for both participants
``overloaded_participants`` (left out) one or two ``participants``, each with more meetings than usable
                            slots: ``counts`` holds (meetings, usable slots) per participant
``lower_priority``          (left out) ``meetings`` of the same participants ranked higher took the slots
``no_common_free_slot``     (left out) the participants have no common free allowed slot
``tables_full``             (left out) all ``counts[0]`` tables taken in ``slots``, where both are free
``order``                   (left out) no free slot respects the required order
``fairness_bound``          (left out) holding it would exceed the fairness bound ``counts[0]``
==========================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FAMILIES: tuple[str, ...] = ("fairness", "precedences", "fixed", "forbidden", "sessions")
REASON_FAMILIES: tuple[str, ...] = (*FAMILIES, "capacity", "tables", "priority", "time_limit")
REASON_KINDS: tuple[str, ...] = (
    "no_slot", "no_slot_combined", "overloaded", "cycle", "feasible_without", "undecided", "infeasible_without_any",
    "too_many_meetings", "no_common_slot", "overloaded_participants", "lower_priority", "no_common_free_slot",
    "tables_full", "order", "fairness_bound",
)
SESSION_NAMES = {1: "morning", 2: "afternoon", 3: "either"}


def _from_one(index: int) -> str:
    return str(index + 1)


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One reason: the family to blame, the kind of sentence, and the 0-based indexes and numbers it names."""

    family: str  # one of REASON_FAMILIES
    kind: str  # one of REASON_KINDS
    participants: tuple[int, ...] = ()
    meetings: tuple[int, ...] = ()
    slots: tuple[int, ...] = ()
    families: tuple[str, ...] = ()  # the families a diagnosis names (feasible_without, undecided, ...)
    counts: tuple[int, ...] = ()  # the other numbers the sentence names (see the module docstring)
    detail: str = ""  # no_slot: the meeting's session, one of SESSION_NAMES' values

    def __post_init__(self) -> None:
        if self.family not in REASON_FAMILIES:
            raise ValueError(f"unknown reason family {self.family!r}; expected one of {', '.join(REASON_FAMILIES)}")
        if self.kind not in REASON_KINDS:
            raise ValueError(f"unknown reason kind {self.kind!r}; expected one of {', '.join(REASON_KINDS)}")
        if any(f not in FAMILIES for f in self.families):
            raise ValueError(f"families must be among {', '.join(FAMILIES)}, got {self.families}")
        if any(i < 0 for i in (*self.participants, *self.meetings, *self.slots)):
            raise ValueError("participant, meeting and slot indexes are 0-based and >= 0")

    @property
    def text(self) -> str:
        """The English sentence, numbering participants, meetings and slots from 1."""
        return self.render()

    def render(self, *, participant: Callable[[int], str] = _from_one, meeting: Callable[[int], str] = _from_one,
               meeting_noun: str = "meeting") -> str:
        """The English sentence with participants and meetings named by ``participant(i)`` and ``meeting(i)``
        (0-based indexes in; by default their numbers from 1) and meetings called ``meeting_noun``: an event
        names them by profile id and request id ("request 11 (participants 'tn-1' and 'it-1')")."""
        p = [participant(i) for i in self.participants]
        m = [meeting(i) for i in self.meetings]
        listed = "[" + ", ".join(m) + "]"
        s = [i + 1 for i in self.slots]
        c = self.counts
        named = ", ".join(self.families)
        match self.kind:
            case "no_slot":
                fixed = f"slot {s[0]}" if s else "none"
                return (f"{self.family}: {meeting_noun} {m[0]} (participants {p[0]} and {p[1]}) has no allowed slot "
                        f"(session {self.detail}, fixed {fixed})")
            case "no_slot_combined":
                return f"{self.family}: {meeting_noun} {m[0]} has no allowed slot"
            case "overloaded":
                return f"{self.family}: participant {p[0]} has {c[0]} meetings for {c[1]} usable slots"
            case "cycle":
                return f"{self.family}: cycle among {meeting_noun}s {listed}"
            case "feasible_without":
                return " or ".join(self.families) + ": feasible once this family is dropped"
            case "undecided":
                return f"undetermined: dropping {named} was not decided in time"
            case "infeasible_without_any":
                return f"capacity: infeasible even without any single one of {named} (tables and slots)"
            case "too_many_meetings":
                return "capacity: too many meetings for the slots and tables"
            case "no_common_slot":
                return f"no slot allowed for both participants {p[0]} and {p[1]} (session, forbidden or fixed slots)"
            case "overloaded_participants":
                return "; ".join(f"participant {q} has {c[2 * i]} meetings for {c[2 * i + 1]} usable slots"
                                 for i, q in enumerate(p))
            case "lower_priority":
                return f"lower priority than {meeting_noun}s {listed} of the same participants"
            case "no_common_free_slot":
                return f"participants {p[0]} and {p[1]} have no common free allowed slot"
            case "tables_full":
                return f"slot capacity: all {c[0]} tables taken in slots {s} where both are free"
            case "order":
                return "precedences: no free slot respects the required order"
            case _:  # fairness_bound
                bound = c[0] if c else None
                return f"fairness: holding it would exceed the break fairness bound {bound}"

    def __str__(self) -> str:
        return self.text
