"""Which characters a stored text may hold, and how text already stored is shown safely.

Refused everywhere: C0 and C1 control characters (NUL, BEL, ESC, form feed, U+0085 ...), DEL, the Unicode
line and paragraph separators, unpaired surrogates and the non-characters U+FFFE/U+FFFF. They break
spreadsheets (openpyxl refuses them), iCalendar files (RFC 5545 forbids controls in TEXT) and terminals.
Long texts (descriptions, messages, offers and needs) may hold tabs and newlines. Bidirectional embeddings,
overrides and isolates (U+202A-U+202E, U+2066-U+2069) can make a name display in another order than it is
stored (a spoofing trick), so names, ids and other one-line fields refuse them; long texts keep isolates
and embeddings, which mixed Arabic and Latin writing legitimately uses. The marks U+200E/U+200F are
always allowed."""

from __future__ import annotations

import re
import unicodedata

from matcher.messages import Message, Param

_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1
_ALWAYS = f"{_CONTROL}\u2028\u2029\ud800-\udfff\ufffe\uffff"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_OVERRIDES = "\u202d\u202e"  # refused in long texts too: they reorder everything after them
_PATTERNS = {
    (False, False): re.compile(f"[{_ALWAYS}\t\n{_BIDI}]"),
    (False, True): re.compile(f"[{_ALWAYS}\t\n{_OVERRIDES}]"),
    (True, False): re.compile(f"[{_ALWAYS}{_BIDI}]"),
    (True, True): re.compile(f"[{_ALWAYS}{_OVERRIDES}]"),
}
_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL", "\x07": "BEL",
          "\x1b": "ESC", "\x0c": "FORM FEED", "\x7f": "DELETE", "\x85": "NEXT LINE"}


def normalise_newlines(text: str) -> str:
    """CRLF and CR (Windows and old Mac files) become LF, so that a long text holds one kind of newline."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_issue(text: str, *, multiline: bool, bidi: bool) -> Message | None:
    """Why ``text`` cannot be stored, naming the first bad character's code point, Unicode name and position
    (1-based), or None. ``multiline`` admits tab and newline; ``bidi`` admits bidirectional embeddings and
    isolates."""
    found = _PATTERNS[(multiline, bidi)].search(text)
    if found is None:
        return None
    char = found.group()
    point = ord(char)
    where: dict[str, Param] = {"code_point": f"U+{point:04X}", "position": found.start() + 1}
    if 0xD800 <= point <= 0xDFFF:
        return Message.of("surrogate_character", **where)
    name = _NAMES.get(char) or unicodedata.name(char, None) or ""
    if re.match(f"[{_BIDI}]", char):
        return Message.of("bidi_character", char_name=name, **where)
    if char in "\t\n\r":
        return Message.of("line_break", char_name=name, **where)
    if unicodedata.category(char) == "Cc":
        return Message.of("control_character", char_name=name, **where) if name else \
            Message.of("control_character_unnamed", **where)
    return Message.of("forbidden_character", char_name=name, **where) if name else \
        Message.of("forbidden_character_unnamed", **where)


def text_problem(text: str, *, multiline: bool, bidi: bool) -> str | None:
    """:func:`text_issue` in English."""
    issue = text_issue(text, multiline=multiline, bidi=bidi)
    return issue.text if issue is not None else None


def printable(text: str, *, multiline: bool = True) -> str:
    """``text`` with every character that no field may hold (and tab and newline unless ``multiline``)
    replaced by U+FFFD, for values stored before the rule existed: exports, terminals and pages never
    receive the raw character."""
    return _PATTERNS[(multiline, True)].sub("\ufffd", text)
