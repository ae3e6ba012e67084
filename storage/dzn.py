"""A small reader of MiniZinc data files (.dzn) and of the B2B meeting scheduling instances written in that format."""

from __future__ import annotations

import re
from pathlib import Path

from matcher.errors import InvalidRequestError
from matcher.scheduling import Instance, Meeting

DznValue = int | bool | list["DznValue"] | frozenset[int]

_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<dots>\.\.)"
                    r"|(?P<punct>\[\||\|\]|[\[\]{}|,;=]))")


class DznError(InvalidRequestError):
    """The file is not valid .dzn data, or lacks a field the scheduling instance needs."""


def _strip_comments(text: str) -> str:
    """Drops ``% ...`` to the end of the line (the data files hold no strings, so % is always a comment)."""
    return "\n".join(line.split("%", 1)[0] for line in text.splitlines())


def _tokens(text: str, source: str) -> list[str]:
    """The token stream; anything unknown is reported with its position."""
    out: list[str] = []
    pos = 0
    body = text.rstrip()
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        if match is None or match.end() == pos:
            snippet = body[pos:pos + 20].strip()
            line = body.count("\n", 0, pos) + 1
            raise DznError(f"{source}: line {line}: unexpected text {snippet!r}")
        out.append(match.group(match.lastgroup or "punct"))
        pos = match.end()
    return out


class _Parser:
    """Recursive-descent parser over the token list of one file."""

    def __init__(self, tokens: list[str], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source
        self.field = "?"

    def fail(self, message: str) -> DznError:
        return DznError(f"{self.source}: field {self.field!r}: {message}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end of file")
        if expected is not None and token != expected:
            raise self.fail(f"expected {expected!r}, found {token!r}")
        self.pos += 1
        return token

    def integer(self) -> int:
        token = self.take()
        if not re.fullmatch(r"-?\d+", token):
            raise self.fail(f"expected an integer, found {token!r}")
        return int(token)

    def value(self) -> DznValue:
        token = self.peek()
        if token == "[|":
            return self.matrix()
        if token == "[":
            return self.array()
        if token == "{":
            return self.int_set()
        if token in ("true", "false"):
            self.take()
            return token == "true"
        return self.integer()

    def array(self) -> list[DznValue]:
        self.take("[")
        items: list[DznValue] = []
        while self.peek() != "]":
            items.append(self.value())
            if self.peek() == ",":
                self.take(",")
            elif self.peek() != "]":
                raise self.fail(f"expected ',' or ']', found {self.peek()!r}")
        self.take("]")
        return items

    def matrix(self) -> list[DznValue]:
        """``[| a, b | c, d |]`` as a list of rows (a trailing comma before ``|`` is allowed)."""
        self.take("[|")
        rows: list[DznValue] = []
        row: list[DznValue] = []
        while True:
            token = self.peek()
            if token == "|]":
                self.take()
                if row:
                    rows.append(row)
                break
            if token == "|":
                self.take()
                rows.append(row)
                row = []
                continue
            if token == ",":
                self.take()
                continue
            row.append(self.value())
        widths = {len(r) for r in rows if isinstance(r, list)}
        if len(widths) > 1:
            raise self.fail(f"2-d array rows have different lengths {sorted(widths)}")
        return rows

    def int_set(self) -> frozenset[int]:
        """``{1, 3, 5}`` or ``{}``; ranges ``a..b`` are accepted inside and as a whole."""
        self.take("{")
        items: set[int] = set()
        while self.peek() != "}":
            low = self.integer()
            if self.peek() == "..":
                self.take("..")
                items.update(range(low, self.integer() + 1))
            else:
                items.add(low)
            if self.peek() == ",":
                self.take(",")
            elif self.peek() != "}":
                raise self.fail(f"expected ',' or '}}', found {self.peek()!r}")
        self.take("}")
        return frozenset(items)

    def document(self) -> dict[str, DznValue]:
        fields: dict[str, DznValue] = {}
        while self.peek() is not None:
            name = self.take()
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise DznError(f"{self.source}: expected a field name, found {name!r}")
            self.field = name
            if name in fields:
                raise self.fail("assigned twice")
            self.take("=")
            fields[name] = self.value()
            self.take(";")
        return fields


def parse_dzn(text: str, *, source: str = "<text>") -> dict[str, DznValue]:
    """Every ``name = value;`` of a .dzn text: ints, booleans, 1-d and 2-d arrays, int sets (0 placeholders kept)."""
    return _Parser(_tokens(_strip_comments(text), source), source).document()


def _int(fields: dict[str, DznValue], name: str, source: str, *, minimum: int = 0) -> int:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DznError(f"{source}: field {name!r}: expected an integer, found {value!r}")
    if value < minimum:
        raise DznError(f"{source}: field {name!r}: must be >= {minimum}, found {value}")
    return value


def _list(fields: dict[str, DznValue], name: str, source: str, length: int) -> list[DznValue]:
    value = fields.get(name)
    if not isinstance(value, list):
        raise DznError(f"{source}: field {name!r}: expected an array, found {value!r}")
    if len(value) != length:
        raise DznError(f"{source}: field {name!r}: expected {length} entries, found {len(value)}")
    return value


def _sets(fields: dict[str, DznValue], name: str, source: str, length: int) -> list[frozenset[int]]:
    out: list[frozenset[int]] = []
    for i, item in enumerate(_list(fields, name, source, length), 1):
        if not isinstance(item, frozenset):
            raise DznError(f"{source}: field {name!r}: entry {i} is not a set: {item!r}")
        out.append(item)
    return out


def instance_from_fields(fields: dict[str, DznValue], *, source: str = "<text>") -> Instance:
    """The 0-based :class:`Instance` of a parsed B2B file (1-based numbering and placeholders removed)."""
    n_part = _int(fields, "nBusiness", source)
    n_meet = _int(fields, "nMeetings", source)
    n_tables = _int(fields, "nTables", source, minimum=1)
    n_slots = _int(fields, "nTotalSlots", source, minimum=1)
    n_morning = _int(fields, "nMorningSlots", source)
    if n_morning > n_slots:
        raise DznError(f"{source}: field 'nMorningSlots': {n_morning} exceeds nTotalSlots {n_slots}")
    rows = _list(fields, "requested", source, n_meet)
    fixed = _list(fields, "fixed", source, n_meet) if "fixed" in fields else [0] * n_meet
    precedences = (_sets(fields, "precedences", source, n_meet) if "precedences" in fields
                   else [frozenset()] * n_meet)
    meetings: list[Meeting] = []
    for m, row in enumerate(rows, 1):
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(v, int) for v in row)):
            raise DznError(f"{source}: field 'requested': row {m} is not 'participant, participant, session'")
        a, b, session = (int(v) for v in row if isinstance(v, int))
        for who in (a, b):
            if not 1 <= who <= n_part:
                raise DznError(f"{source}: field 'requested': row {m} names participant {who} outside 1..{n_part}")
        if a == b:
            raise DznError(f"{source}: field 'requested': row {m} pairs participant {a} with itself")
        if session not in (1, 2, 3):
            raise DznError(f"{source}: field 'requested': row {m} has session {session}, expected 1, 2 or 3")
        slot = fixed[m - 1]
        if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot <= n_slots:
            raise DznError(f"{source}: field 'fixed': entry {m} is {slot!r}, expected 0..{n_slots}")
        before = precedences[m - 1]
        if any(not 1 <= o <= n_meet or o == m for o in before):
            raise DznError(f"{source}: field 'precedences': entry {m} names a meeting outside 1..{n_meet} or itself")
        meetings.append(Meeting(a=a - 1, b=b - 1, session=session, fixed=slot - 1 if slot else None,
                                after=tuple(sorted(o - 1 for o in before))))
    forbidden: list[frozenset[int]] = []
    if "forbidden" in fields:
        for p, slots in enumerate(_sets(fields, "forbidden", source, n_part), 1):
            if any(not 0 <= s <= n_slots for s in slots):
                raise DznError(f"{source}: field 'forbidden': entry {p} has a slot outside 1..{n_slots}")
            forbidden.append(frozenset(s - 1 for s in slots if s > 0))
    _check_redundant(fields, meetings, n_part, source)
    return Instance(n_participants=n_part, n_slots=n_slots, n_morning=n_morning, n_tables=n_tables,
                    meetings=tuple(meetings),
                    forbidden=tuple(forbidden) if any(forbidden) else ())


def _check_redundant(fields: dict[str, DznValue], meetings: list[Meeting], n_part: int, source: str) -> None:
    """``nMeetingsBusiness`` and ``meetingsxBusiness`` restate ``requested``: they must agree with it."""
    mine: list[set[int]] = [set() for _ in range(n_part)]
    for m, meeting in enumerate(meetings):
        mine[meeting.a].add(m)
        mine[meeting.b].add(m)
    if "nMeetingsBusiness" in fields:
        counts = _list(fields, "nMeetingsBusiness", source, n_part)
        for p, count in enumerate(counts):
            if count != len(mine[p]):
                raise DznError(f"{source}: field 'nMeetingsBusiness': participant {p + 1} has {count}, "
                               f"but 'requested' gives {len(mine[p])}")
    if "meetingsxBusiness" in fields:
        for p, shifted in enumerate(_sets(fields, "meetingsxBusiness", source, n_part)):
            if {s - 2 for s in shifted if s > 1} != mine[p]:
                raise DznError(f"{source}: field 'meetingsxBusiness': participant {p + 1} disagrees with 'requested'")


def read_instance(path: Path) -> Instance:
    """The B2B scheduling instance stored in a .dzn file, converted to 0-based numbering."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise DznError(f"{path}: cannot read: {exc}") from exc
    return instance_from_fields(parse_dzn(text, source=str(path)), source=str(path))
