"""Stage 1: normalize raw text before segmentation.

Full-width forms become half-width (NFKC), traditional characters become simplified
(OpenCC ``t2s``), control, zero-width, direction and lone-surrogate characters are
dropped, white space is collapsed, and runs of ``!``/``?`` are capped at three
(intensity is a signal, so it is kept, not removed).
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import unicodedata
from functools import lru_cache

import numpy as np
import opencc

_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_RUNS = re.compile(r"([!?])\1{3,}")
_local = threading.local()
_FULL_WIDTH = (0xFF01, 0xFF5E, 0xFEE0)  # full-width ASCII: first, last, distance to ASCII (their NFKC forms)
_IDEOGRAPHIC_SPACE = 0x3000
SHORT = 256  # characters: below this, batch helpers take the plain path


def _converter() -> opencc.OpenCC:
    # One converter per thread: cheap to build, and nothing is shared between threads.
    conv = getattr(_local, "converter", None)
    if conv is None:
        conv = _local.converter = opencc.OpenCC("t2s")
    return conv


def normalize(text: str) -> str:
    """Return the normalized form of ``text``.

    Parameters
    ----------
    text : str
        A raw customer message.

    Returns
    -------
    str
        The text as the model sees it.

    Examples
    --------
    >>> normalize("ＡＢＣ！！！！！")
    'ABC!!!'
    >>> normalize("這個質量  太差了\\u200b")
    '这个质量 太差了'
    """
    text = _DROP.sub("", text)
    if not text.isascii():
        text = _converter().convert(unicodedata.normalize("NFKC", text))
        text = _DROP.sub("", text)
    return _RUNS.sub(r"\1\1\1", " ".join(text.split()))


def normalize_many(texts: list[str]) -> list[str]:
    """``[normalize(t) for t in texts]``, computed on the joined texts in a few passes.

    Line breaks inside a text are white space to :func:`normalize`, so they become
    spaces first; the texts are then joined with line breaks, converted in one call per
    step and split again. Full-width and traditional-character conversion never turns
    anything into a line break or joins characters across one, so each text gets exactly
    what :func:`normalize` gives it (a property test checks this).

    Examples
    --------
    >>> normalize_many(["這個  太差了", "ＯＫ\\n好"])
    ['这个 太差了', 'OK 好']
    """
    if not texts:
        return []
    joined = "\n".join(t.replace("\n", " ") if "\n" in t else t for t in texts)
    joined = _DROP.sub("", joined)
    if not joined.isascii():
        joined = _DROP.sub("", _converter().convert(_nfkc_lines(joined)))
    lines = (" ".join(line.split()) for line in joined.split("\n"))
    return [_RUNS.sub(r"\1\1\1", t) if "!!!!" in t or "????" in t else t for t in lines]


def _nfkc_lines(joined: str) -> str:
    """NFKC of each line of ``joined``, fast for the usual Chinese message.

    Full-width ASCII and the ideographic space, the compatibility characters of nearly
    every such message, are first replaced by their NFKC forms with array operations;
    replacing a character by its NFKC form never changes the NFKC form of the whole.
    The few lines that still are not in NFKC then go through ``unicodedata``. Short
    input goes through ``unicodedata`` directly (the array steps cost more there).
    """
    if len(joined) < SHORT:
        return unicodedata.normalize("NFKC", joined)
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
    first, last, shift = _FULL_WIDTH
    points[(points >= first) & (points <= last)] -= shift
    points[points == _IDEOGRAPHIC_SPACE] = 32
    lines = points.tobytes().decode("utf-32-le").split("\n")
    return "\n".join(t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t) for t in lines)


def locate(original: str, fragment: str) -> str | None:
    """Find the verbatim part of ``original`` whose normalized form is ``fragment``.

    Keywords are found in normalized text; this maps them back to the customer's own
    characters (full-width, traditional, ...). Returns ``None`` when there is no such part.

    Examples
    --------
    >>> locate("氣死我了！", "气死")
    '氣死'
    """
    if fragment in original:
        return fragment
    pieces = list(map(_normalize_char, original))
    ends = list(itertools.accumulate(map(len, pieces)))
    start = "".join(pieces).find(fragment)
    if start < 0 or not fragment:
        return None
    return original[bisect.bisect_right(ends, start) : bisect.bisect_right(ends, start + len(fragment) - 1) + 1]


@lru_cache(maxsize=1 << 16)  # messages share a few thousand distinct characters
def _normalize_char(char: str) -> str:
    return normalize(char)
