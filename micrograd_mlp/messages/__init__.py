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
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources

__all__ = ["LANGUAGES", "message", "resolve_lang"]

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
