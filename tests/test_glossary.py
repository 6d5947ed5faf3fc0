"""One Korean term per idea: ``docs/ko/glossary.md``'s "피할 말" (variants to avoid) do not
appear in the Korean message catalogue, the Korean documents or the Korean notebooks.

A variant is matched as a whole word: it must not follow another Hangul syllable (so 경우도 is
never taken for 우도), and particles after it (우도를, 우도의) still count. A variant marked
"(이 뜻으로)" or "(... 때)" depends on its sense (매개변수 is right for a function's parameter,
wrong for a model's) and is left to review; the others are enforced everywhere except in the
per-term allowances below, each a phrase that names the variant on purpose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "ko" / "glossary.md"

#: Phrases that may contain a variant on purpose (e.g. telling the reader what PyTorch's Korean
#: documents call a gradient), per variant.
ALLOWED = {
    "변화도": ['문서의 "변화도"와 같은 말'],
}


def avoided_terms() -> dict[str, str]:
    """``{variant: preferred}`` from the glossary's tables (second column)."""
    terms = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| 한국어", "|---")):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        preferred, variants = cells[0], cells[1]
        if variants == "—" or "(" in variants:
            continue
        for variant in variants.split(","):
            terms[variant.strip()] = preferred
    return terms


def korean_texts() -> dict[str, str]:
    """Every Korean text a learner reads, by a name for messages: the catalogue (key by key),
    the Korean documents and the Korean notebooks (cell by cell)."""
    texts = {}
    for path in sorted((ROOT / "micrograd_mlp" / "messages" / "ko").glob("*.json")):
        for key, template in json.loads(path.read_text(encoding="utf-8")).items():
            texts[f"{path.name}: {key}"] = template
    documents = [ROOT / "README.ko.md", *sorted((ROOT / "docs" / "ko").glob("*.md"))]
    for path in documents:
        if path != GLOSSARY:
            texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks" / "ko").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            texts[f"{path.relative_to(ROOT)} cell {i}"] = "".join(cell["source"])
    return texts


def find_variant(variant: str, text: str) -> list[str]:
    """The places (30 characters of context) where ``variant`` starts a word in ``text``,
    outside its allowed phrases."""
    for phrase in ALLOWED.get(variant, ()):
        text = text.replace(phrase, "")
    pattern = re.compile(r"(?<![\uac00-\ud7a3])" + re.escape(variant))
    return [text[max(0, m.start() - 15) : m.end() + 15] for m in pattern.finditer(text)]


def test_the_glossary_names_variants_to_avoid():
    terms = avoided_terms()
    assert terms["우도"] == "가능도" and terms["변화도"] == "기울기"
    assert terms["최대 우도 추정"] == "최대 가능도 추정"


def test_whole_words_only():
    assert find_variant("우도", "이 경우도 같습니다") == []
    assert find_variant("우도", "최대 우도를 구합니다") != []
    assert find_variant("변화도", '문서의 "변화도"와 같은 말입니다') == []


@pytest.mark.parametrize("variant", sorted(avoided_terms()))
def test_no_korean_text_uses_a_variant_to_avoid(variant):
    preferred = avoided_terms()[variant]
    found = {}
    for name, text in korean_texts().items():
        if places := find_variant(variant, text):
            found[name] = places
    assert not found, f"write {preferred!r}, not {variant!r}: {found}"
