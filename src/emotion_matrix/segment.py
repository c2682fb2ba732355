"""Stage 2: split normalized text into words.

Uses jieba's dictionary through jieba-rs (``rjieba``), with HMM off: the same words as
``jieba.lcut(text, HMM=False)``, many times faster. The tokenizer is private to this
module and built lazily with the packaged customer-service user dictionary, so the
global ``jieba`` state of the host program is never touched.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np
import rjieba

logger = logging.getLogger(__name__)

SHORT = 256  # characters: below this, segment_many collects words without array steps
_lock = threading.Lock()
_tokenizer: rjieba.Jieba | None = None


def user_words() -> dict[str, int]:
    """The packaged user dictionary: customer-service and emotion terms with their frequencies."""
    text = resources.files("emotion_matrix").joinpath("resources/userdict.txt").read_text("utf-8")
    lines = (line.split("#")[0].split() for line in text.splitlines())
    return {word: int(freq) for word, freq in (line for line in lines if line)}


def _get_tokenizer() -> rjieba.Jieba:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tokenizer = rjieba.Jieba()
                words = user_words()
                for word, freq in words.items():
                    tokenizer.add_word(word, freq, None)
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


@dataclass(frozen=True)
class Segmented:
    """The words of a batch of texts, segmented in one call.

    ``words`` holds every text's words in order; text ``i`` owns
    ``words[indptr[i]:indptr[i + 1]]``, and word ``k`` is ``joined[starts[k]:ends[k]]``,
    where ``joined`` is the texts joined with line breaks.
    """

    joined: str
    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    indptr: np.ndarray

    def of(self, i: int) -> tuple[str, ...]:
        """The words of text ``i``, as :func:`segment` gives them."""
        return tuple(self.words[self.indptr[i] : self.indptr[i + 1]])


def _collect(joined: str, tokens: list[str]) -> Segmented:
    """:func:`segment_many`'s result built word by word (cheaper than arrays for short input)."""
    if not any(map(str.isspace, tokens)):  # one text without spaces (a service's usual call): all are words
        bounds = np.fromiter(itertools.accumulate(map(len, tokens), initial=0), dtype=np.int64, count=len(tokens) + 1)
        return Segmented(joined, tokens, bounds[:-1], bounds[1:], np.array([0, len(tokens)], dtype=np.int64))
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    indptr = [0]
    offset = 0
    for w in tokens:
        if w == "\n":
            indptr.append(len(words))
        elif not w.isspace():
            words.append(w)
            starts.append(offset)
            ends.append(offset + len(w))
        offset += len(w)
    indptr.append(len(words))
    return Segmented(joined, words, *(np.array(a, dtype=np.int64) for a in (starts, ends, indptr)))


def segment_many(texts: list[str]) -> Segmented:
    """Segment normalized texts (no line breaks) in one call to the segmenter.

    The texts are joined with line breaks, which the segmenter always keeps as tokens of
    their own; text ``i`` then gets exactly the words of ``segment(texts[i])`` (a property
    test checks this).

    Examples
    --------
    >>> batch = segment_many(["太慢了", "谢谢 你"])
    >>> batch.of(0), batch.of(1), batch.starts.tolist()
    (('太慢', '了'), ('谢谢', '你'), [0, 2, 4, 7])
    """
    if not texts:
        none = np.zeros(0, dtype=np.int64)
        return Segmented("", [], none, none, np.zeros(1, dtype=np.int64))
    joined = "\n".join(texts)
    tokens = _get_tokenizer().cut(joined, False)
    if len(joined) < SHORT:
        return _collect(joined, tokens)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    starts = np.cumsum(lengths) - lengths
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    # Normalized text has single spaces as its only white space, each a token of its own.
    first = points[starts] if len(tokens) else np.zeros(0, dtype=np.uint32)
    breaks = (lengths == 1) & (first == 10)
    keep = ~(breaks | ((lengths == 1) & (first == 32)))
    kept = np.concatenate([[0], np.cumsum(keep)])
    indptr = np.concatenate([[0], kept[np.flatnonzero(breaks)], [kept[-1]]])
    index = np.flatnonzero(keep)
    words: list[str] = []
    previous = 0
    for dropped in np.flatnonzero(~keep).tolist():  # a few per text: copying the runs between them is fastest
        words += tokens[previous:dropped]
        previous = dropped + 1
    words += tokens[previous:]
    return Segmented(joined, words, starts[index], starts[index] + lengths[index], indptr.astype(np.int64))
