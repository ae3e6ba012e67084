"""A small, dependency-free guess of a text's language, enough to calibrate scores per language.

Multilingual encoders score two texts in the same language higher than a translation pair of the
same meaning; comparing a candidate with others written in its own language removes that bias.
"""

from __future__ import annotations

import re

import numpy as np

LANGUAGE_CODES: tuple[str, ...] = ("ar", "he", "el", "fr", "en", "es", "it", "pt", "other")

_SCRIPTS = (("ar", re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")),
            ("he", re.compile(r"[\u0590-\u05FF]")), ("el", re.compile(r"[\u0370-\u03FF]")))
_WORDS = {
    "fr": {"le", "la", "les", "des", "du", "de", "et", "pour", "en", "un", "une", "au", "aux", "avec", "dans", "nous",
           "sur", "est", "à", "ou", "par"},
    "en": {"the", "and", "of", "for", "in", "with", "to", "our", "we", "from", "an", "on", "by", "is"},
    "es": {"el", "los", "las", "del", "y", "para", "con", "una", "por", "que", "nuestro"},
    "it": {"il", "gli", "della", "delle", "per", "con", "una", "di", "che", "nostro", "dei", "nei"},
    "pt": {"os", "da", "das", "do", "dos", "para", "com", "uma", "em", "nosso"},
}
_TOKEN = re.compile(r"[a-zà-ÿ]+")


def detect(text: str, default: str | None = None) -> str:
    """ISO 639-1 code among LANGUAGE_CODES: script first, then common function words.

    >>> detect("ورشة خزف في نابل"), detect("Atelier de poterie à Nabeul"), detect("Pottery workshop in Nabeul")
    ('ar', 'fr', 'en')
    """
    for code, pattern in _SCRIPTS:
        if len(pattern.findall(text)) >= max(1, len(text) // 10):
            return code
    words = _TOKEN.findall(text.lower())
    hits = {code: sum(w in vocab for w in words) for code, vocab in _WORDS.items()}
    if re.search(r"[éèêàçùœ]", text.lower()):
        hits["fr"] += 1
    ranked = sorted(hits.values(), reverse=True)
    best = max(hits, key=lambda c: hits[c])
    if ranked[0] and ranked[0] > ranked[1]:  # a clear winner only; a tie gives no clue
        return best
    return default or ("en" if words else "other")


def language_ids(texts: list[str], defaults: list[str] | None = None) -> np.ndarray:
    """(len(texts),) int8 index into LANGUAGE_CODES; ``defaults`` where a text gives no clue (short items)."""
    fallback = defaults or [None] * len(texts)  # type: ignore[list-item]
    return np.array([LANGUAGE_CODES.index(detect(t, d)) for t, d in zip(texts, fallback, strict=True)],
                    dtype=np.int8)

