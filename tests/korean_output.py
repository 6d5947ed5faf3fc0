"""What a ``--lang ko`` run may print in Latin letters: identifiers, option names, units and the
field's acronyms. :func:`english_words` returns every other English word, so a test can demand
that a Korean run's human-readable lines all come from the Korean catalogue.

Allowed, whatever the command: words inside backticks or quotes; option names (``--lr``) and
``key=value`` settings; file names and paths (``out/xor/boundary.png``); Python identifiers
with an underscore, a dot or a call (``zero_grad()``, ``layers.0.weight``); single letters
(``x``, ``w1``); numbers with units; and the :data:`COMMON` words below (acronyms, function and
class names the glossary keeps in Latin letters). A test may allow more per command.
"""

from __future__ import annotations

import re

#: Latin-letter words a Korean text keeps: acronyms, names of functions, classes, data sets and
#: tools, and units. (The glossary writes these in Latin letters too.)
COMMON = frozenset(
    """
    MSE MAE L1 L2 CE NLL BCE MLE SGD Adam AdamW RMSprop Adagrad ReLU Leaky LeakyReLU GELU MLP
    XOR AND OR NOT NumPy PyTorch torch numpy Graphviz dot GIF PNG SVG HTML CSV Markdown JSON
    MNIST Fashion Fashion-MNIST IDX CPU GPU BLAS OpenBLAS Python Jupyter Chromium
    tanh sigmoid softmax log exp max min sum mean sqrt abs relu argmax
    Value Tensor Neuron Layer Linear Dropout Module Function fit backward forward grad data
    micrograd micrograd-mlp Karpathy Xavier Glorot He Kaiming Rosenblatt Kingma Ba
    lr eps nan inf NaN True False None
    ms s MiB GiB KB MB GB px dpi epoch epochs
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

_SKIP = re.compile(
    r"`[^`]*`"  # code in backticks
    r"|'[^'\n]*'|\"[^\"\n]*\""  # quoted strings
    r"|--?[A-Za-z][\w-]*"  # options
    r"|\b\w+=\S*"  # key=value
    r"|[\w./~-]*[/\\][\w./~-]*"  # paths
    r"|\b\w+\.(?:png|svg|gif|html|csv|md|npz|json|py|txt|gv)\b"  # file names
    r"|\b[A-Za-z_]\w*(?:[._]\w+)+(?:\(\))?"  # identifiers: zero_grad, layers.0.weight
    r"|\b[A-Za-z_]\w*\(\)"  # calls: backward()
)
_WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str, allow: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The English words of ``text`` outside backticks, quotes, options, paths, identifiers and
    ``COMMON | allow`` (case-sensitive, and also allowed in lower case), in order of appearance.
    """
    allowed = COMMON | set(allow)
    lowered = {w.lower() for w in allowed}
    stripped = _SKIP.sub(" ", text)
    return [w for w in _WORD.findall(stripped) if w not in allowed and w.lower() not in lowered]
