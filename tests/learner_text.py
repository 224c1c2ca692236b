"""Every text a learner reads on a rendered page, and a detector of English prose in it.

``learner_texts(at)`` walks an AppTest element tree: markdown, captions, headings, alerts,
metrics (label, value, delta, help), widget labels/help/options/placeholders, tab, expander and
popover labels, page links, table and dataframe headers and text cells, the visible text of HTML
elements, graphviz node labels, and every plotly figure's titles, axis titles, tick texts, legend
names, hover templates, text labels and annotations (parsed from the figure JSON). Code panels and
JSON viewers are code, not prose, and are left out.

``english(text)`` returns the English a Korean page should not show: a run of two or more English
words, or a short text (an axis title, a legend name, a label) that is nothing but English words.
Code (backticks, fenced blocks), LaTeX, links, HTML tags and English glossed in brackets right
after its Korean word ("즉시 실행(eager execution)") are not prose. Technical identifiers pass: a
token with a digit, an underscore, a dot or an inner capital (val_loss, model.fit, ReLU,
TensorFlow), an acronym (SGD, AUC, ROC), a single letter (a symbol), and the short list ALLOWED.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message

# Names a Korean text keeps in Latin letters: products, optimizers, layers, data sets, units.
ALLOWED = frozenset(w.lower() for w in """
    Keras TensorFlow PyTorch JAX Theano Caffe NumPy Python pandas Colab Jupyter Graphviz pydot
    Adam Adagrad RMSprop Nesterov Dense Dropout Flatten Embedding Concatenate Lambda None True False
    relu elu selu gelu sigmoid tanh softmax linear Fashion MNIST Advertising sklearn scikit learn
    ms
""".split())

_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_LATEX = re.compile(r"\$\$.*?\$\$|\$[^$]+\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]+>")
_PLOTLY_FIELD = re.compile(r"%\{[^}]*\}")
_GLOSS = re.compile(r"(?<=[\uac00-\ud7a3]) ?\([^()\uac00-\ud7a3.!?]{1,40}\)")  # 한국어(English gloss)
_TITLE = re.compile(r"『[^』]*』|「[^」]*」")  # a cited title keeps its own language
_WORD = re.compile(r"^[A-Za-z]+(?:['’-][A-Za-z]+)*$")
_OPEN = "\"'“‘«([{<*_~"
_CLOSE = "\"'”’»)]}>*_~"
_STOPS = ".,;:!?)]}…·—–/|=+→"  # a token ending in one of these ends a phrase


def _word(token: str) -> str:
    """``token`` without quotes, brackets and punctuation around it ("(loss," -> "loss")."""
    if token.endswith("()"):
        return ""  # a call: evaluate(), Accuracy()
    return token.lstrip(_OPEN).rstrip(_CLOSE + _STOPS)


def _is_english_word(token: str) -> bool:
    word = _word(token)
    if not _WORD.match(word) or len(word) < 2:
        return False  # numbers, identifiers (_ . digits), Korean, single letters (symbols), calls
    parts = re.split(r"[-'’]", word)
    if all(p.lower() in ALLOWED or re.fullmatch(r"[A-Z]{2,}s?", p) for p in parts):
        return False  # a name on the list, or an acronym: SGD, AUC, ROC, GPUs, Fashion-MNIST
    return not re.search(r"[a-z][A-Z]", word)  # an inner capital: an identifier (ReLU, GradientTape)


def prose(text: str) -> str:
    """``text`` without what is not prose: code, LaTeX, links, HTML tags, glosses, cited titles."""
    for pattern in (_CODE, _LATEX, _LINK_TARGET, _URL, _TAG, _PLOTLY_FIELD, _GLOSS, _TITLE):
        text = pattern.sub(" ", text)
    return text


def english(text: str, whole: bool = True) -> list[str]:
    """The English prose in ``text``: phrases of 2+ English words (words in a row, no punctuation
    between them), or (``whole``) the whole text when it is nothing but English words (an axis
    title, a legend name)."""
    tokens = prose(text).split()
    runs: list[str] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= 2:
            runs.append(" ".join(run))
        run.clear()

    for token in tokens:
        if not _is_english_word(token):
            close()
            continue
        if token[0] in "([{<":
            close()
        run.append(_word(token))
        if token[-1] in _STOPS + ")]}>":
            close()
    close()
    words = [t for t in tokens if re.search(r"[A-Za-z\uac00-\ud7a3]", t)]
    if whole and not runs and words and all(_is_english_word(t) for t in words):
        runs.append(" ".join(_word(t) for t in words))
    return runs


# --------------------------------------------------------------------------- the element tree

_TEXT_FIELDS = {"body", "label", "help", "placeholder", "options", "content", "delta", "caption"}
_SKIP_TYPES = {"code", "json"}  # code and data, not prose


def _proto_strings(msg: Message, kind: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of an element's text fields; option texts and metric values are kind "option",
    "metric_value": values a page shows as they are."""
    for field, value in msg.ListFields():
        if field.name not in _TEXT_FIELDS | {"expandable", "tab", "popover"}:
            continue
        values = value if isinstance(value, (list, tuple)) or hasattr(value, "extend") else [value]
        for v in values:
            if isinstance(v, Message):
                yield from (("option" if field.name == "options" else k, s) for k, s in _proto_strings(v, kind))
            elif isinstance(v, str) and v and field.name in _TEXT_FIELDS:
                if field.name in {"options", "content"}:
                    yield "option", v
                elif kind == "metric" and field.name == "body":
                    yield "metric_value", v
                else:
                    yield kind, v


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _html_text(body: str) -> list[str]:
    body = re.sub(r"<!--.*?-->|<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    shown = re.findall(r'(?:title|aria-label|data-done|placeholder)="([^"]*)"', body)
    return shown + [" ".join(_TAG.sub(" ", body).split())]


def _graphviz_text(spec: str) -> list[str]:
    labels = re.findall(r'label\s*=\s*"((?:[^"\\]|\\.)*)"', spec)
    labels += re.findall(r"label\s*=\s*<(.*?)>\s*[,\]]", spec, flags=re.S)
    return [_TAG.sub(" ", label).replace("\\n", " ").replace("\\l", " ") for label in labels]


_FIGURE_KEYS = {"text", "name", "hovertemplate", "texttemplate", "ticktext", "title", "label"}
_FIGURE_SKIP = {"template", "x", "y", "z", "customdata", "ids", "colorscale", "font", "marker", "line"}


def figure_texts(figure: dict[str, Any]) -> list[str]:
    """What a learner reads on a plotly figure (its JSON as a dict)."""
    found: list[str] = []

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            hidden = value.get("showlegend") is False and "<extra>" in str(value.get("hovertemplate", "<extra>"))
            for k, v in value.items():
                if k not in _FIGURE_SKIP and not (k == "name" and hidden):  # a name no legend or hover shows
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in _FIGURE_KEYS:
            found.append(value)

    walk(figure, None)
    cleaned = [_PLOTLY_FIELD.sub(" ", _TAG.sub(" ", re.sub(r"<extra>.*?</extra>", " ", s))) for s in found]
    return [c for c in cleaned if c.strip()]


def figures(at: Any) -> list[dict[str, Any]]:
    """Every plotly figure on the page, as dicts."""
    return [json.loads(n.proto.spec) for n in _nodes(at._tree) if getattr(n, "type", None) == "plotly_chart"]


def learner_texts(at: Any) -> list[tuple[str, str]]:
    """(kind, text) for everything a learner reads on the rendered page. The kind is the element's
    type, or "option" (a widget's option), "metric_value", "column" (a table header), "cell"."""
    out: list[tuple[str, str]] = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in _SKIP_TYPES or proto is None:
            continue
        if kind == "plotly_chart":
            out += [(kind, s) for s in figure_texts(json.loads(proto.spec))]
        elif kind == "graphviz_chart":
            out += [(kind, s) for s in _graphviz_text(proto.spec)]
        elif kind == "html":
            out += [(kind, s) for s in _html_text(proto.body)]
        elif kind in {"dataframe", "table"}:
            frame = node.value
            out += [("column", str(c)) for c in frame.columns]
            out += [("column", str(frame.index.name))] if frame.index.name else []
            out += [("cell", str(v)) for v in frame.index if isinstance(v, str)]
            out += [("cell", str(v)) for col in frame.columns if frame[col].dtype == object for v in frame[col]]
        else:
            out += list(_proto_strings(proto, kind))
    return out
