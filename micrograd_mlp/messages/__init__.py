"""The user-facing text a learner reads, in one catalogue per language (English, Korean).

The folders ``en/`` and ``ko/`` beside this file hold the catalogue of each language, one JSON
file per topic (``explorer.json`` holds the ``explorer.*`` keys), each mapping a message key to
a ``str.format`` template.
English is the default; ``lang="ko"`` or the environment variable ``MICROGRAD_MLP_LANG=ko``
selects Korean. Code never branches on the language: it asks for a key::

    from micrograd_mlp.messages import message
    message("explain.seed", lang, out="L")

A key missing from the chosen language falls back to English (a test demands that every key
exists in both catalogues, so the fallback is only a safety net).

An error a learner reads is a :class:`CatalogueError` (``raise SomeError(key, **fields)``):
its ``str()`` is the English text, ``error.text(lang)`` the text in ``lang``, as the CLI prints
it. A field may be a :class:`Phrase` (a message itself) or another ``CatalogueError``: it is
written in the language of the whole message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from importlib import resources

__all__ = ["LANGUAGES", "CatalogueError", "Phrase", "Phrases", "message", "resolve_lang"]

#: The languages with a catalogue, default first.
LANGUAGES = ("en", "ko")


def resolve_lang(lang: str | None = None) -> str:
    """The language to use: ``lang`` if given, else ``$MICROGRAD_MLP_LANG``, else ``"en"``.

    Raises:
        ValueError: the language has no catalogue (the message lists the available ones).
    """
    chosen = lang if lang is not None else (os.environ.get("MICROGRAD_MLP_LANG") or "en")
    chosen = chosen.strip().lower()
    if chosen not in LANGUAGES:
        source = "lang" if lang is not None else "MICROGRAD_MLP_LANG"
        raise ValueError(f"{source}: unknown language {chosen!r}; choose one of {list(LANGUAGES)}")
    return chosen


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The whole catalogue of ``lang`` (key -> template), read once from the package data:
    every ``<lang>/<topic>.json``, each holding the keys that start with ``<topic>.``.

    Raises:
        ValueError: a file holds a key of another topic, or two files hold the same key.
    """
    merged: dict[str, str] = {}
    folder = resources.files(__package__).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        topic = entry.name[: -len(".json")]
        for key, template in json.loads(entry.read_text(encoding="utf-8")).items():
            if not key.startswith(f"{topic}.") or key in merged:
                raise ValueError(f"messages/{lang}/{entry.name}: key {key!r} is misplaced")
            merged[key] = template
    return merged


def message(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The text for ``key`` in ``lang`` (see :func:`resolve_lang`), formatted with ``fields``.

    Raises:
        KeyError: ``key`` is in no catalogue (a programming error, named in the message).
    """
    chosen = resolve_lang(lang)
    template = catalogue(chosen).get(key)
    if template is None:
        template = catalogue("en").get(key)
    if template is None:
        raise KeyError(f"no message {key!r} in the catalogue")
    return template.format(**fields)


class Phrase:
    """A part of a message that is itself a catalogue message (``key`` with ``fields``), so
    that it is written in the language of the whole message: what a formula may contain, the
    reason Python could not parse it, ..."""

    def __init__(self, key: str, /, **fields: object) -> None:
        self.key, self.fields = key, fields

    def text(self, lang: str | None = None) -> str:
        """The phrase in ``lang`` (see :func:`message`)."""
        return message(self.key, lang, **rendered(self.fields, lang))

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Phrase({self.key!r}, **{self.fields!r})"


class Phrases(Phrase):
    """Several phrases (or plain texts) joined by ``sep``, each in the language of the whole
    message: the list of what differs, ..."""

    def __init__(self, items: list[object], sep: str = "; ") -> None:
        super().__init__("", items=items)
        self.items, self.sep = list(items), sep

    def text(self, lang: str | None = None) -> str:
        """The phrases in ``lang``, joined."""
        return self.sep.join(str(v) for v in rendered(dict(enumerate(self.items)), lang).values())

    def __repr__(self) -> str:
        return f"Phrases({self.items!r}, {self.sep!r})"


def rendered(fields: Mapping[object, object], lang: str | None) -> dict[object, object]:
    """``fields`` with every :class:`Phrase` and :class:`CatalogueError` as its text in
    ``lang``."""
    return {
        k: v.text(lang) if isinstance(v, (Phrase, CatalogueError)) else v for k, v in fields.items()
    }


class CatalogueError(Exception):
    """The base (a mixin: ``class IDXError(CatalogueError, ValueError)``) of an error whose
    message comes from the catalogue, so a run in another language reads it in that language.

    Raised as ``SomeError(key, **fields)``: ``key`` names a message, ``fields`` fill it in (a
    field may be a :class:`Phrase` or another ``CatalogueError``). ``str(error)`` is the
    English text, whatever the language of the run; :meth:`text` gives it in another language
    (``error.text("ko")``), as the CLI prints it. ``SomeError("some text")`` (not a key) keeps
    that text as it is, in every language.

    Attributes:
        key: the catalogue key (``"errors.idx.bad_magic"``), or None for a plain text.
        fields: the message's fields.
    """

    def __init__(self, key: str, /, **fields: object) -> None:
        keyed = isinstance(key, str) and key in catalogue("en")
        self.key: str | None = key if keyed else None
        self.fields: dict[str, object] = fields if keyed else {}
        super().__init__(self.text("en") if keyed else key)

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (``"en"``, ``"ko"``; default: ``$MICROGRAD_MLP_LANG``)."""
        if self.key is None:
            return str(self.args[0]) if self.args else ""
        return message(self.key, lang, **rendered(self.fields, lang))

    def __reduce__(self) -> tuple:
        # the key and fields, and any attributes of a subclass (NonFiniteLossError's step)
        return (_rebuilt, (type(self), self.key, self.fields, self.text("en")), self.__dict__)


def _rebuilt(cls: type, key: str | None, fields: dict, text: str) -> CatalogueError:
    """A :class:`CatalogueError` unpickled (with its key and fields)."""
    error = cls.__new__(cls)
    CatalogueError.__init__(error, *((key,) if key is not None else (text,)), **fields)
    return error
