"""Stage 2: split normalized text into words.

Uses jieba's dictionary through jieba-rs (``rjieba``), with HMM off: the same words as
``jieba.lcut(text, HMM=False)``, many times faster. The tokenizer is private to this
module and built lazily with the packaged customer-service user dictionary, so the
global ``jieba`` state of the host program is never touched.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources

import rjieba

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_tokenizer: rjieba.Jieba | None = None


def user_words() -> tuple[str, ...]:
    """The packaged user dictionary: customer-service and emotion terms, one a line."""
    text = resources.files("emotion_matrix").joinpath("resources/userdict.txt").read_text("utf-8")
    return tuple(w for w in (line.split("#")[0].strip() for line in text.splitlines()) if w)


def _get_tokenizer() -> rjieba.Jieba:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tokenizer = rjieba.Jieba()
                words = user_words()
                for word in words:
                    tokenizer.add_word(word, None, None)
                logger.debug("segmenter ready with %d user words", len(words))
                _tokenizer = tokenizer
    return _tokenizer


def segment(text: str) -> tuple[str, ...]:
    """Split ``text`` into words; white space is dropped, punctuation kept.

    Parameters
    ----------
    text : str
        Normalized text (see :func:`emotion_matrix.normalize.normalize`).

    Returns
    -------
    tuple of str
        The words, in order; joined they give ``text`` without its spaces.

    Examples
    --------
    >>> segment("等了两个小时还没送到，气死了!")
    ('等', '了', '两个', '小时', '还', '没', '送到', '，', '气死了', '!')
    """
    return tuple(w for w in _get_tokenizer().cut(text, False) if not w.isspace())
