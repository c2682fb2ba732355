"""Stage 1: normalize raw text before segmentation.

Full-width forms become half-width (NFKC), traditional characters become simplified
(OpenCC ``t2s``), control, zero-width, direction and lone-surrogate characters are
dropped, white space is collapsed, and runs of ``!``/``?`` are capped at three
(intensity is a signal, so it is kept, not removed).
"""

from __future__ import annotations

import re
import threading
import unicodedata

import opencc

_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_RUNS = re.compile(r"([!?])\1{3,}")
_local = threading.local()


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
    text = _SPACE.sub(" ", text).strip()
    return _RUNS.sub(r"\1\1\1", text)


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
    pieces: list[str] = []
    owner: list[int] = []
    for i, char in enumerate(original):
        for out in normalize(char):
            pieces.append(out)
            owner.append(i)
    start = "".join(pieces).find(fragment)
    if start < 0 or not fragment:
        return None
    return original[owner[start] : owner[start + len(fragment) - 1] + 1]
