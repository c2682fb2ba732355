"""Keyword phrases: the runs of a message's words that carry its predicted label.

Pure functions over words and per-word weights (how much each word pushes the predicted
label); ``model.py`` supplies the weights and maps the chosen runs back to the customer's
own characters.
"""

from __future__ import annotations

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
