"""Emotion mirroring: reply suggestions that quote the customer's own emotion words.

A reply is assembled from a template of its emotion x need cell: an opening that
quotes a keyword (``echo``, with the ``{echo}`` slot inside quotation marks) or, when
no keyword can be quoted safely, one that does not (``plain``); a ``body`` that names
the feeling and the need; and an open ``question``. Keywords that are insults,
profanity or personal data are never quoted.

Works on :class:`~emotion_matrix.result.Prediction` values only (no scikit-learn, no
segmenter), so it can be used and tested without a trained model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from ahocorasick_rs import AhoCorasick

from .errors import TemplateError
from .normalize import normalize
from .result import EMOTIONS, NEEDS, Prediction, Reply

PARTS = ("echo", "plain", "body", "question")
STYLES = ("full", "brief")
MAX_ECHO_CHARS = 12
_HANDLE = re.compile(r"[A-Za-z0-9_.-]*(?:[A-Za-z][A-Za-z0-9.-]*[0-9_]|[0-9_][A-Za-z0-9.-]*[A-Za-z])[A-Za-z0-9_.-]*")
_SLOT = re.compile(r"\{([^{}]*)\}")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (zero-width, bidi), surrogate, private, unassigned
_PERSONAL = re.compile(
    r"\d{4,}|[0-9a-zA-Z._%+-]+@[0-9a-zA-Z.-]+|@\S+|\[[^\]]*\]|https?://|www\.|"
    r"(省|市|区|县|镇|路|街|巷|号|栋|楼|单元|室).*\d|\d.*(省|市|区|县|镇|路|街|巷|号|栋|楼|单元|室)"
)


@dataclass(frozen=True, slots=True)
class Template:
    """One reply variant of an emotion x need cell."""

    template_id: str
    echo: str
    plain: str
    body: str
    question: str


@dataclass(frozen=True, slots=True)
class Templates:
    """All reply variants, by ``(emotion, need)`` cell."""

    cells: dict[tuple[str, str], tuple[Template, ...]]

    def variants(self, emotion: str, need: str) -> tuple[Template, ...]:
        """The cell's variants; a cell the file lacks falls back to the packaged defaults,
        then to ``neutral``/``other``."""
        found = self.cells.get((emotion, need))
        if found:
            return found
        default = _packaged().cells
        return default.get((emotion, need)) or default[("neutral", "other")]


def _parse(data: object, source: str) -> Templates:
    if not isinstance(data, dict) or data.get("format_version") != 1 or not isinstance(data.get("templates"), dict):
        raise TemplateError(f"{source}: expected an object with format_version 1 and a 'templates' object")
    cells: dict[tuple[str, str], tuple[Template, ...]] = {}
    for emotion, by_need in data["templates"].items():
        if emotion not in EMOTIONS:
            raise TemplateError(f"{source}: unknown emotion {emotion!r}; use one of {list(EMOTIONS)}")
        if not isinstance(by_need, dict):
            raise TemplateError(f"{source}: templates.{emotion} must map needs to lists of variants")
        for need, variants in by_need.items():
            if need not in NEEDS:
                raise TemplateError(f"{source}: unknown need {need!r} under {emotion!r}; use one of {list(NEEDS)}")
            if not isinstance(variants, list) or not variants:
                raise TemplateError(f"{source}: templates.{emotion}.{need} must be a non-empty list")
            cells[(emotion, need)] = tuple(
                _template(variant, f"{emotion}.{need}.{i}", source) for i, variant in enumerate(variants)
            )
    return Templates(cells)


def _template(variant: object, template_id: str, source: str) -> Template:
    if not isinstance(variant, dict) or any(not isinstance(variant.get(p), str) for p in PARTS):
        raise TemplateError(f"{source}: {template_id} needs string fields {list(PARTS)}")
    for part in PARTS:
        slots = _SLOT.findall(variant[part])
        allowed = ["echo"] if part == "echo" else []
        unknown = [s for s in slots if s not in allowed]
        if unknown:
            raise TemplateError(
                f"{source}: {template_id}.{part} has unknown slot {{{unknown[0]}}}; only {{echo}} in 'echo'"
            )
    if _SLOT.findall(variant["echo"]) != ["echo"]:
        raise TemplateError(f"{source}: {template_id}.echo must contain the slot {{echo}} exactly once")
    return Template(template_id, *(variant[p] for p in PARTS))


@lru_cache(maxsize=1)
def _packaged() -> Templates:
    text = resources.files("emotion_matrix").joinpath("resources/templates.json").read_text("utf-8")
    return _parse(json.loads(text), "packaged templates.json")


def load_templates(path: str | os.PathLike | None = None) -> Templates:
    """Load reply templates from a JSON file; with no path, the packaged ones.

    Raises
    ------
    TemplateError
        The file is not valid JSON, names an unknown emotion, need or slot, or lacks a part.

    Examples
    --------
    >>> len(load_templates().variants("anger", "efficiency")) >= 3
    True
    """
    if path is None:
        return _packaged()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"cannot read templates file {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{path} is not valid UTF-8 JSON: {exc}") from None
    return _parse(data, str(path))


@cache
def _word_list(name: str) -> frozenset[str]:
    text = resources.files("emotion_matrix").joinpath(f"resources/{name}").read_text("utf-8")
    return frozenset(w.lower() for line in text.splitlines() for w in line.split("#")[0].split())


@cache
def _unsafe_words() -> AhoCorasick:
    """Finds any unsafe word inside a text in one pass."""
    return AhoCorasick(sorted(_word_list("unsafe_words.txt")))


def _squeeze(phrase: str) -> str:
    """Lower-case letters, digits and CJK only: "傻 逼", "S.B." and "垃·圾" are caught too."""
    return "".join(c for c in phrase.lower() if c.isalnum())


def _looks_like_name(squeezed: str) -> bool:
    return (
        2 <= len(squeezed) <= 3
        and all("\u4e00" <= c <= "\u9fff" for c in squeezed)
        and squeezed[0] in _word_list("surnames.txt")
        and squeezed not in _word_list("name_like_words.txt")
    )


@lru_cache(maxsize=2**16)  # customers repeat the same few thousand emotion words
def is_safe_echo(phrase: str) -> bool:
    """Whether a phrase may be quoted back: short, no insult or profanity, no personal data.

    The phrase is first put in canonical form (full-width to half-width, traditional to
    simplified), and phrases with invisible control or direction characters are refused.
    Insults are matched after dropping spaces and symbols; personal data means digit runs,
    e-mail addresses, @handles, ids mixing letters with digits, addresses with numbers,
    masked fields such as ``[ORDERID_1]`` and 2-3 character phrases shaped like a name.

    Examples
    --------
    >>> is_safe_echo("太慢了"), is_safe_echo("垃圾客服"), is_safe_echo("13812345678")
    (True, False, False)
    """
    if not 0 < len(phrase) <= MAX_ECHO_CHARS or any(unicodedata.category(c) in _INVISIBLE for c in phrase):
        return False
    canonical = normalize(phrase)  # full-width to half-width, traditional to simplified
    squeezed = _squeeze(canonical)
    return (
        bool(squeezed)
        and not _PERSONAL.search(canonical)
        and not _HANDLE.search(canonical)
        and not re.search(r"\d{4,}", squeezed)
        and not _unsafe_words().find_matches_as_indexes(squeezed)
        and not _looks_like_name(squeezed)
    )


def suggest_replies(
    prediction: Prediction, *, k: int = 3, templates: Templates | None = None, style: str | None = None
) -> tuple[Reply, ...]:
    """Suggest up to ``k`` mirroring replies for one prediction.

    Parameters
    ----------
    prediction : Prediction
        From ``EmotionModel.predict``; needs ``emotion`` and ``need`` heads, else the
        neutral/other cell is used.
    k : int
        How many replies (at most the number of variants of the cell).
    templates : Templates, optional
        From :func:`load_templates`; the packaged set by default.
    style : {"full", "brief"}, optional
        ``"full"`` (the default): opening, body and question; ``"brief"`` leaves out the body.

    Returns
    -------
    tuple of Reply
        Different variants; the choice depends on the text, so a batch does not repeat one reply.

    Examples
    --------
    >>> from emotion_matrix.result import LabelScore, Prediction
    >>> p = Prediction("太慢了！", {"emotion": LabelScore("anger", 0.9, ()), "need": LabelScore("efficiency", 0.8, ())},
    ...                keywords=("太慢了",))
    >>> reply = suggest_replies(p, k=1)[0]
    >>> "“太慢了”" in reply.text, reply.text.endswith("？")
    (True, True)
    """
    emotion = prediction.emotion.label if prediction.emotion else ""
    need = prediction.need.label if prediction.need else ""
    return replies_for(prediction.text, emotion, need, prediction.keywords, k=k, templates=templates, style=style)


def replies_for(
    text: str,
    emotion: str,
    need: str,
    keywords: Sequence[str],
    *,
    k: int = 3,
    templates: Templates | None = None,
    style: str | None = None,
) -> tuple[Reply, ...]:
    """:func:`suggest_replies` from a message's fields: its text, labels and keywords.

    An empty ``emotion`` or ``need`` (a model without that head) means ``"neutral"`` or
    ``"other"``. Batch scoring calls this for each row without building a ``Prediction``.

    Examples
    --------
    >>> replies_for("太慢了！", "anger", "efficiency", ("太慢了",), k=1)[0].echoed
    ('太慢了',)
    """
    style = style or "full"
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}; got {style!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    templates = templates or _packaged()
    variants = templates.variants(emotion or "neutral", need or "other")
    echo = _echo(keywords)
    start = _first_variant(text, len(variants))
    replies = []
    for i in range(min(k, len(variants))):
        t = variants[(start + i) % len(variants)]
        replies.append(Reply(t.template_id, _compose(t, echo, style), (echo,) if echo else (), t.question))
    return tuple(replies)


def first_reply_texts(
    texts: Sequence[str],
    emotions: Sequence[str],
    needs: Sequence[str],
    keywords: Sequence[Sequence[str]],
    *,
    templates: Templates | None = None,
) -> list[str]:
    """The text of the first reply :func:`replies_for` suggests for each message of a batch.

    Examples
    --------
    >>> first_reply_texts(["太慢了！"], ["anger"], ["efficiency"], [("太慢了",)]) == [
    ...     replies_for("太慢了！", "anger", "efficiency", ("太慢了",), k=1)[0].text]
    True
    """
    templates = templates or _packaged()
    cells: dict[tuple[str, str], tuple[Template, ...]] = {}
    out = []
    for text, emotion, need, words in zip(texts, emotions, needs, keywords):
        cell = (emotion or "neutral", need or "other")
        variants = cells.get(cell) or cells.setdefault(cell, templates.variants(*cell))
        out.append(_compose(variants[_first_variant(text, len(variants))], _echo(words), "full"))
    return out


def _echo(keywords: Sequence[str]) -> str | None:
    """The first keyword that may be quoted back."""
    return next((w for w in keywords if is_safe_echo(w)), None)


def _first_variant(text: str, n: int) -> int:
    """Which of ``n`` variants a message starts from: the choice depends on the text, so a batch varies."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % n


def _compose(template: Template, echo: str | None, style: str) -> str:
    opening = template.echo.replace("{echo}", echo) if echo else template.plain
    return opening + (template.body if style == "full" else "") + template.question
