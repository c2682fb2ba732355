import pytest

from emotion_matrix.keywords import keyword_spans, lexicon_spans, weight_spans

LEXICON = frozenset({"太慢了", "气死了", "不满意"})
PREFIXES = frozenset(p[:n] for p in LEXICON for n in range(1, len(p) + 1))


@pytest.mark.parametrize(
    ("words", "scores", "expected"),
    [
        # a lexicon phrase beats a heavier single word, and keeps its degree word
        (("等", "太", "慢", "了", "垃圾"), [0.0, 0.1, 0.5, 0.0, 3.0], [(1, 3)]),
        # negation flips the word after it, and is kept in the span
        (("菜", "不", "好吃"), [0.0, 0.0, -2.0], [(1, 2)]),
        # a run with a word pulling the other way is dropped
        (("很", "满意", "但", "太", "慢"), [0.1, 2.0, 0.0, 0.2, -1.0], [(0, 1)]),
        # nothing pushes the label: no keyword
        (("请问", "订单"), [-0.2, 0.0], []),
        # single characters alone never stand in as weighted keywords
        (("哦",), [1.0], []),
    ],
)
def test_keyword_spans(words, scores, expected):
    assert keyword_spans(words, scores, LEXICON, PREFIXES) == expected


def test_lexicon_spans_take_the_longest_match():
    words = ("气", "死", "了", "真", "不满意")
    assert lexicon_spans(words, LEXICON | {"气死"}, PREFIXES | {"气死"}) == [(0, 2), (4, 4)]


def test_weight_spans_join_neighbours_above_the_floor():
    assert weight_spans(("太", "难吃", "了", "真", "差"), [0.7, 2.0, 0.1, 0.0, 1.0]) == [(0, 1), (4, 4)]
