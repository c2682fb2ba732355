"""Keyword phrases: the runs of a message's words that carry its predicted label.

Pure functions over words and per-word weights (how much each word pushes the predicted
label); ``model.py`` supplies the weights and maps the chosen runs back to the customer's
own characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

SHARE = 0.3  # a heavily weighted word weighs at least this share of the message's strongest word
NEGATORS = frozenset("不 没 没有 别 不是 不太 不够 并不 毫不 从不 未 无".split())
EXTEND_LEFT = NEGATORS | frozenset("太 很 非常 真 真的 超 好 特别 极 最 有点 一点 都 也 还".split())


def is_word(word: str) -> bool:
    """Whether a token has a letter, digit or character (not punctuation only).

    Examples
    --------
    >>> is_word("气死了"), is_word("!!")
    (True, False)
    """
    return any(c.isalnum() for c in word)


def lexicon_spans(words: tuple[str, ...], phrases: frozenset[str], prefixes: frozenset[str]) -> list[tuple[int, int]]:
    """Non-overlapping runs of words that spell a lexicon phrase, longest first at each word.

    Examples
    --------
    >>> lexicon_spans(("太", "慢", "了", "!"), frozenset({"太慢了"}), frozenset({"太", "太慢", "太慢了"}))
    [(0, 2)]
    """
    spans = []
    i = 0
    while i < len(words):
        best = -1
        text = ""
        for j in range(i, len(words)):
            text += words[j]
            if text not in prefixes:
                break
            if text in phrases:
                best = j
        if best >= 0:
            spans.append((i, best))
            i = best + 1
        else:
            i += 1
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
    scores = [-v if i and words[i - 1] in NEGATORS else v for i, v in enumerate(scores)]
    ranked: list[tuple[int, float, int, int]] = []
    for tier, spans in enumerate((lexicon_spans(words, phrases, prefixes), weight_spans(words, scores))):
        if tier and ranked:
            break
        for left, right in spans:
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
    words: Sequence[str], indptr: np.ndarray, todo: np.ndarray, automaton: AhoCorasick | None
) -> dict[int, list[tuple[int, int]]]:
    """Per message with ``todo``, its lexicon phrases as ``(first word, last word)``, longest at each first word.

    ``words`` holds all messages' words (message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``).
    A phrase counts when it spells whole words, as in :func:`lexicon_spans`; all of them
    are found in one pass of ``automaton`` over the batch.
    """
    out: dict[int, list[tuple[int, int]]] = {}
    if automaton is None or not len(words):
        return out
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    ends = np.cumsum(lengths)
    word_at_start = np.full(ends[-1] + 1, -1)
    word_at_start[ends - lengths] = np.arange(len(words))
    word_at_end = np.full(ends[-1] + 1, -1)
    word_at_end[ends - 1] = np.arange(len(words))
    found = np.array(automaton.find_matches_as_indexes("".join(words), overlapping=True), dtype=np.int64)
    found = found.reshape(-1, 3)
    first = word_at_start[found[:, 1]]
    last = word_at_end[found[:, 2] - 1]
    owner = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = (first >= 0) & (last >= 0)
    first, last = first[keep], last[keep]
    keep = (owner[first] == owner[last]) & todo[owner[first]]
    first, last = first[keep], last[keep]
    order = np.lexsort((-last, first))
    first, last = first[order], last[order]
    longest = np.ones(len(first), dtype=bool)
    longest[1:] = first[1:] != first[:-1]
    first, last = first[longest], last[longest]
    for doc, i, j in zip(owner[first].tolist(), first.tolist(), last.tolist()):
        out.setdefault(doc, []).append((i, j))
    return out


def batch_keyword_spans(
    words: Sequence[str],
    indptr: np.ndarray,
    scores: np.ndarray,
    todo: np.ndarray,
    flags: Mapping[str, np.ndarray],
    matches: Mapping[int, list[tuple[int, int]]],
) -> dict[int, list[tuple[int, int]]]:
    """:func:`keyword_spans` of each message ``i`` with ``todo[i]``, for a whole batch at once.

    ``words`` holds all messages' words (message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``)
    and ``scores`` their weights; spans index ``words``. ``flags`` marks, per word, the
    members of ``NEGATORS`` (``"negator"``) and of ``EXTEND_LEFT`` (``"extend"``), and
    the words that pass :func:`is_word` (``"word"``);
    ``matches`` are the :func:`lexicon_matches`. The weighted runs of all messages are
    found with a few array operations; only the ranking runs per message. A test checks
    the result against :func:`keyword_spans` message by message.
    """
    n_docs = len(indptr) - 1
    lengths = np.diff(indptr)
    owner = np.repeat(np.arange(n_docs), lengths)
    first = np.zeros(len(words) + 1, dtype=bool)
    first[indptr[:-1]] = True
    first = first[:-1]
    negated = np.zeros(len(words), dtype=bool)
    negated[1:] = flags["negator"][:-1]
    signed = np.where(negated & ~first, -scores, scores).astype(np.float64)
    top = np.zeros(n_docs)
    filled = lengths > 0
    if filled.any():
        top[filled] = np.maximum.reduceat(signed, indptr[:-1][filled])
    heavy = (signed > 0) & (signed >= SHARE * top[owner]) & todo[owner]
    follows = np.zeros(len(words), dtype=bool)
    follows[1:] = heavy[:-1]
    at = np.flatnonzero(heavy)
    run_starts = np.flatnonzero(~(follows & ~first & flags["word"])[at])
    weighted: dict[int, list[tuple[float, int, int]]] = {}
    if len(at):
        sums = np.add.reduceat(signed[at], run_starts).tolist()
        lefts = at[run_starts].tolist()
        rights = at[np.append(run_starts[1:], len(at)) - 1].tolist()
        for weight, left, right in zip(sums, lefts, rights):
            if left < right or len(words[left]) >= 2:
                weighted.setdefault(int(owner[left]), []).append((-weight, left, right))
    out: dict[int, list[tuple[int, int]]] = {doc: [] for doc in np.flatnonzero(todo).tolist()}
    extend = flags["extend"].tolist()
    values = signed.tolist()
    starts = indptr.tolist()
    for doc in sorted(matches.keys() | weighted.keys()):
        ranked = []
        after = -1
        for left, right in matches.get(doc, ()):
            if left < after:
                continue
            after = right + 1
            inner = range(left, right + 1)
            weight = sum(values[i] for i in inner)
            if weight <= 0 or any(values[i] < 0 and not extend[i] for i in inner):
                continue
            ranked.append((-weight, left, right))
        if not ranked:
            ranked = weighted.get(doc, [])
        start = starts[doc]
        spans = []
        for weight, left, right in ranked:
            while left > start and extend[left - 1]:
                left -= 1
            spans.append((weight, left, right))
        spans.sort()
        out[doc] = [(left, right) for _, left, right in spans]
    return out
