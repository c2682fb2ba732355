"""Keyword phrases: the runs of a message's words that carry its predicted label.

Pure functions over words and per-word weights (how much each word pushes the predicted
label); ``model.py`` supplies the weights and maps the chosen runs back to the customer's
own characters. :func:`keyword_spans` is the rule for one message (and serves single
messages); :func:`batch_keyword_spans` applies the same rule to a whole batch with array
operations, which a property test checks against it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() holds
SHARE = 0.3  # a heavily weighted word weighs at least this share of the message's strongest word
# The negators of features.NEGATORS (stage modules do not import each other; a test keeps the two equal).
NEGATORS = frozenset("不 没 没有 别 不是 不太 不够 并不 毫不 从不 未 无 不会 不能 不要 不用 没什么".split())
EXTEND_LEFT = NEGATORS | frozenset("太 很 非常 真 真的 超 好 特别 极 最 有点 一点 都 也 还".split())


@lru_cache(maxsize=1 << 16)  # called for every out-of-vocabulary word; such words recur
def is_word(word: str) -> bool:
    """Whether a token has a letter, digit or character (not punctuation only).

    Examples
    --------
    >>> is_word("气死了"), is_word("!!")
    (True, False)
    """
    return _ALNUM.search(word) is not None


def lexicon_spans(words: tuple[str, ...], phrases: frozenset[str], prefixes: frozenset[str]) -> list[tuple[int, int]]:
    """Non-overlapping runs of words that spell a lexicon phrase, longest first at each word.

    Examples
    --------
    >>> lexicon_spans(("太", "慢", "了", "!"), frozenset({"太慢了"}), frozenset({"太", "太慢", "太慢了"}))
    [(0, 2)]
    """
    spans = []
    n = len(words)
    after = 0  # the first word not taken yet
    for i in [i for i, word in enumerate(words) if word in prefixes]:  # most words start no phrase
        if i < after:
            continue
        best = -1
        text = ""
        for j in range(i, n):
            text += words[j]
            if text not in prefixes:
                break
            if text in phrases:
                best = j
        if best >= 0:
            spans.append((i, best))
            after = best + 1
    return spans


def weight_spans(words: tuple[str, ...], scores: list[float]) -> list[tuple[int, int]]:
    """Runs of words that each weigh at least ``SHARE`` of the strongest word.

    Examples
    --------
    >>> weight_spans(("菜", "太", "难吃"), [0.0, 0.8, 2.0])
    [(1, 2)]
    """
    floor = SHARE * max(scores, default=0.0)
    spans = []
    i = 0
    while i < len(words):
        if scores[i] <= 0 or scores[i] < floor:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and scores[j + 1] > 0 and scores[j + 1] >= floor and is_word(words[j + 1]):
            j += 1
        spans.append((i, j))
        i = j + 1
    return spans


def keyword_spans(
    words: tuple[str, ...],
    scores: list[float],
    phrases: frozenset[str] = frozenset(),
    prefixes: frozenset[str] = frozenset(),
) -> list[tuple[int, int]]:
    """Candidate keyword runs ``(first word, last word)``, strongest first.

    Learned lexicon phrases that push the label come first; only when there is none do
    heavily weighted words stand in. A negated word counts against its own weight ("不好吃"
    pushes disappointment); a run with a word pulling the other way is dropped; each run is
    extended left over negation and degree words.

    Examples
    --------
    >>> keyword_spans(("这", "菜", "不", "好吃"), [0.0, 0.0, 0.1, -1.5])
    [(2, 3)]
    """
    if not NEGATORS.isdisjoint(words):
        scores = [-v if i and words[i - 1] in NEGATORS else v for i, v in enumerate(scores)]
    ranked: list[tuple[int, float, int, int]] = []
    for tier in (0, 1):
        if tier and ranked:
            break
        for left, right in weight_spans(words, scores) if tier else lexicon_spans(words, phrases, prefixes):
            inner = range(left, right + 1)
            weight = sum(scores[i] for i in inner)
            against = any(scores[i] < 0 and words[i] not in EXTEND_LEFT for i in inner)
            if weight <= 0 or against or (tier and sum(len(words[i]) for i in inner) < 2):
                continue
            while left > 0 and words[left - 1] in EXTEND_LEFT:
                left -= 1
            ranked.append((tier, -weight, left, right))
    ranked.sort()
    return [(left, right) for _, _, left, right in ranked]


def make_automaton(phrases: Sequence[str]) -> AhoCorasick | None:
    """A multi-pattern matcher (Aho-Corasick) over the lexicon phrases, for :func:`lexicon_matches`."""
    if not phrases:
        return None
    return AhoCorasick(list(phrases), matchkind=MatchKind.Standard, implementation=Implementation.ContiguousNFA)


def lexicon_matches(
    words: Sequence[str],
    lengths: np.ndarray,
    indptr: np.ndarray,
    todo: np.ndarray,
    automaton: AhoCorasick | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The lexicon phrases of the messages with ``todo``, as ``(first word, last word)`` arrays.

    ``words`` holds all messages' words (message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``)
    and ``lengths`` their lengths. A phrase counts when it spells whole words of one
    message, as in :func:`lexicon_spans`; all of them are found in one pass of
    ``automaton`` over the batch. Only the longest phrase at each first word is kept; the
    result is ordered by first word.
    """
    none = np.zeros(0, dtype=np.int64)
    if automaton is None or not len(words):
        return none, none
    ends = np.cumsum(lengths)
    starts = ends - lengths
    found = automaton.find_matches_as_indexes("".join(words), overlapping=True)
    found = np.fromiter(itertools.chain.from_iterable(found), np.int64, 3 * len(found)).reshape(-1, 3)
    # A match counts when it starts where a word starts and ends where a word ends.
    first = np.searchsorted(starts, found[:, 1]).clip(max=len(words) - 1)
    last = np.searchsorted(ends, found[:, 2]).clip(max=len(words) - 1)
    keep = (starts[first] == found[:, 1]) & (ends[last] == found[:, 2])
    first, last = first[keep], last[keep]
    owner = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = (owner[first] == owner[last]) & todo[owner[first]]
    first, last = first[keep], last[keep]
    order = np.lexsort((-last, first))
    first, last = first[order], last[order]
    longest = np.ones(len(first), dtype=bool)
    longest[1:] = first[1:] != first[:-1]
    return first[longest], last[longest]


def _greedy(first: np.ndarray, last: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Which matches :func:`lexicon_spans` keeps: per message the first, then the next that starts after it."""
    n = len(first)
    key = owner[first] * (len(owner) + 1)
    after = np.searchsorted(key + first, key + last, side="right")
    same = after < n
    same[same] = owner[first[after[same]]] == owner[first[same]]
    after = np.where(same, after, n)
    kept = np.zeros(n + 1, dtype=bool)
    current = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if n else np.zeros(0, np.int64)
    while len(current):
        kept[current] = True
        current = after[current]
        current = current[current < n]
    return kept[:n]


def _span_sums(values: np.ndarray, first: np.ndarray, last: np.ndarray, ufunc: np.ufunc = np.add) -> np.ndarray:
    """``ufunc`` reduced over ``values[first[k]:last[k] + 1]`` for each span ``k``, in word order."""
    if not len(first):
        return np.zeros(0, dtype=values.dtype)
    lengths = last - first + 1
    offsets = np.cumsum(lengths) - lengths
    index = np.repeat(first - offsets, lengths) + np.arange(lengths.sum())
    return ufunc.reduceat(values[index], offsets)


def overlapping_docs(docs: np.ndarray, lefts: np.ndarray, rights: np.ndarray) -> set[int]:
    """The messages with two spans ``(docs[k], lefts[k], rights[k])`` that share a word.

    Spans index the words of the whole batch, so spans of different messages never share one.

    Examples
    --------
    >>> sorted(overlapping_docs(np.array([0, 0, 1, 1]), np.array([0, 1, 5, 8]), np.array([1, 2, 6, 9])))
    [0]
    """
    order = np.argsort(lefts, kind="stable")
    reach = np.maximum.accumulate(rights[order])  # the furthest word any span so far takes
    return set(docs[order][1:][lefts[order][1:] <= reach[:-1]].tolist())


def batch_keyword_spans(
    words: Sequence[str],
    indptr: np.ndarray,
    scores: np.ndarray,
    todo: np.ndarray,
    flags: Mapping[str, np.ndarray],
    matches: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`keyword_spans` of each message ``i`` with ``todo[i]``, for a whole batch at once.

    ``words`` holds all messages' words (message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``)
    and ``scores`` their weights; spans index ``words``. ``flags`` marks, per word, the
    members of ``NEGATORS`` (``"negator"``) and of ``EXTEND_LEFT`` (``"extend"``), and
    the words that pass :func:`is_word` (``"word"``); ``matches`` are the
    :func:`lexicon_matches`. Returns the spans as arrays ``(message, first word, last
    word)``, by message and then strongest first. Everything is computed with array
    operations over the batch; a test checks the result against :func:`keyword_spans`
    message by message.
    """
    n_docs, n = len(indptr) - 1, len(words)
    owner = np.repeat(np.arange(n_docs), np.diff(indptr))
    first = np.zeros(n + 1, dtype=bool)
    first[indptr[:-1]] = True
    first = first[:-1]
    previous = np.zeros(n, dtype=bool)
    previous[1:] = flags["negator"][:-1]
    signed = np.where(previous & ~first, -scores, scores).astype(np.float64)
    # Extending a span left over negation and degree words stops at a message's first word.
    previous[1:] = flags["extend"][:-1]
    reach = np.maximum.accumulate(np.where(first | ~previous, np.arange(n), 0)) if n else np.zeros(0, np.int64)

    # Lexicon phrases that push the label, chosen as lexicon_spans does.
    lo, hi = matches
    kept = _greedy(lo, hi, owner)
    lo, hi = lo[kept], hi[kept]
    weight0 = _span_sums(signed, lo, hi)
    against = _span_sums((signed < 0) & ~flags["extend"], lo, hi, np.logical_or)
    good = (weight0 > 0) & ~against
    lo, hi, weight0 = lo[good], hi[good], weight0[good]
    has_lexicon = np.zeros(n_docs, dtype=bool)
    has_lexicon[owner[lo]] = True

    # Otherwise, runs of words that each weigh at least SHARE of the message's strongest word.
    top = np.zeros(n_docs)
    filled = np.diff(indptr) > 0
    if filled.any():
        top[filled] = np.maximum.reduceat(signed, indptr[:-1][filled])
    heavy = (signed > 0) & (signed >= SHARE * top[owner]) & todo[owner] & ~has_lexicon[owner]
    follows = np.zeros(n, dtype=bool)
    follows[1:] = heavy[:-1]
    at = np.flatnonzero(heavy)
    starts = np.flatnonzero(~(follows & ~first & flags["word"])[at])
    left = at[starts]
    right = at[np.append(starts[1:], len(at)) - 1] if len(at) else at
    weight1 = np.add.reduceat(signed[at], starts) if len(at) else np.zeros(0)
    single = left == right
    short = np.zeros(len(left), dtype=bool)
    short[single] = [len(words[i]) < 2 for i in left[single].tolist()]
    left, right, weight1 = left[~short], right[~short], weight1[~short]

    left = np.concatenate([lo, left])
    right = np.concatenate([hi, right])
    weight = np.concatenate([weight0, weight1])
    left = reach[left] if len(left) else left
    doc = owner[left]
    order = np.lexsort((right, left, -weight, doc))
    return doc[order], left[order], right[order]
