"""Speed of the printed agendas (issue 17, point 3): ``python -m bench.printing [--pages 20] [--meetings 8]``
renders that many agenda pages (a third each in Arabic, French and English, one QR code each) through
:func:`service.events.printing.render_agendas`, with no database or model, and prints the median wall time of
5 runs after a warm-up (:func:`bench.common.median_seconds`; the warm-up also loads WeasyPrint and the fonts).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from datetime import time as clock

from bench.common import RUNS, median_seconds
from matcher.events import Event, EventData, SlotPlan, Table
from service.events import printing


def event() -> EventData:
    plan = SlotPlan(days=(date(2031, 12, 1), date(2031, 12, 2)), morning_start=clock(9), morning_end=clock(12, 30),
                    afternoon_start=clock(14), afternoon_end=clock(17, 30), slot_minutes=30)
    return EventData(event=Event(id=1, name="CAT 2031 B2B meetings", venue="Palais des Congrès, Tunis",
                                 timezone="Africa/Tunis", created_at=datetime(2031, 1, 1, tzinfo=UTC)),
                     slots=tuple(plan.slots("Africa/Tunis")), tables=(Table(number=1, name="Table 1"),),
                     participants=())


def pages(n: int, meetings: int) -> list[printing.AgendaPage]:
    why = (("word", "They offer"), ("quote", "glazed pottery in small series"), ("word", "which answers your need"),
           ("quote", "distributor in Europe for ceramics"))
    meeting = printing.PrintedMeeting(day="Monday", hours="09:00–09:30", table="Table 12",
                                      partner="Atelier Céramique de Nabeul", country="Tunisia", sectors="Crafts",
                                      why=why)
    langs = ("ar", "fr", "en")
    return [printing.AgendaPage(profile_id=f"p{i}", name=f"بيت الفخار {i}" if i % 3 == 0 else f"Atelier {i}",
                                lang=langs[i % 3], url=f"https://fair.example.org/{langs[i % 3]}/key/cci_{i:08x}_"
                                + "x" * 32, meetings=tuple(replace(meeting, table=f"Table {i % 20 + 1}")
                                                           for _ in range(meetings)))
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--meetings", type=int, default=8)
    args = parser.parse_args()
    data, agenda = event(), pages(args.pages, args.meetings)
    load = os.getloadavg()[0]
    took = median_seconds(lambda: printing.render_agendas(data, agenda))
    print(f"{args.pages} pages of {args.meetings} meetings: median {took:.1f} s ({took / args.pages:.2f} s a page) "
          f"of {RUNS} runs; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
