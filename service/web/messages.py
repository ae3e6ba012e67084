"""Refusals in the page's language: a field's error as a translated sentence next to it. The English template
of a :class:`matcher.messages.Message` is the gettext msgid (``messages.po``); its parameters fill the
translation, with the country a hint names and the English words some messages carry translated too."""

from __future__ import annotations

from matcher.errors import FieldError, InvalidRequestError
from matcher.messages import Message
from service.web import vocabulary as vocab

WORD_PARAMS = ("kind", "session")  # parameters whose values are English words with msgids of their own


def translate(message: Message, lang: str) -> str:
    """``message`` in ``lang`` (its English text when the catalogs lack the template)."""
    _ = vocab.gettext(lang)
    params = dict(message.params)
    overrides: dict[str, str | int] = {name: _(str(params[name])) for name in WORD_PARAMS if name in params}
    hint = params.get("hint")
    if "hint_name" in params and isinstance(hint, str) and hint in vocab.COUNTRY_CODES:
        overrides["hint_name"] = vocab.country_name(hint, lang)
    return message.render(_(message.template), **overrides)


def field_error(error: InvalidRequestError | FieldError, lang: str) -> str:
    """A refusal in ``lang``: translated when it carries a message, else its English text."""
    message = error.message if isinstance(error, FieldError) and error.code else getattr(error, "message", None)
    if isinstance(message, Message):
        return translate(message, lang)
    return error.reason if isinstance(error, FieldError) else str(error)
