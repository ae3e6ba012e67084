"""Refusals in the page's language: a field's error as a translated sentence next to it. The English
template of a message (:mod:`matcher.messages`) is the gettext msgid; its parameters fill the translation."""

from __future__ import annotations

from matcher.errors import FieldError, InvalidValueError
from service.web import vocabulary as vocab


def field_error(error: InvalidValueError | FieldError, lang: str) -> str:
    """The refusal in ``lang`` when its message is known to the catalogs, else the English reason."""
    message = getattr(error, "message", None)
    reason = str(getattr(error, "reason", error))
    if message is None:
        return reason
    _ = vocab.gettext(lang)
    template = getattr(message, "template", None)
    translated = _(template) if template else None
    if not translated or (translated == template and lang != "en"):
        return reason
    values = dict(getattr(message, "params", {}) or {})
    if "hint" in values and isinstance(values["hint"], str) and values["hint"] in vocab.COUNTRY_CODES:
        values["hint_name"] = vocab.country_name(values["hint"], lang)
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):
        return reason
