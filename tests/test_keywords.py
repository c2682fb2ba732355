import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotion_matrix import features
from emotion_matrix.keywords import (
    EXTEND_LEFT,
    NEGATORS,
    batch_keyword_spans,
    is_word,
    keyword_spans,
    lexicon_matches,
    lexicon_spans,
    make_automaton,
    overlapping_docs,
    weight_spans,
)

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


SCORES = [-1.0, -0.25, 0.0, 0.25, 0.5, 2.0]  # exact in binary, so sums never depend on their order
WORDS = ["太", "慢", "了", "气死了", "不", "满意", "很", "好", "!", "没", "垃圾", "真的", "差"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SCORES)), max_size=9),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_batch_spans_match_message_by_message(messages):
    """The batch path gives each message exactly the spans of keyword_spans."""
    words = [w for pairs, _ in messages for w, _ in pairs]
    scores = np.array([s for pairs, _ in messages for _, s in pairs])
    indptr = np.cumsum([0] + [len(pairs) for pairs, _ in messages])
    todo = np.array([flag for _, flag in messages], dtype=bool)
    flags = {
        "negator": np.array([w in NEGATORS for w in words], dtype=bool),
        "extend": np.array([w in EXTEND_LEFT for w in words], dtype=bool),
        "word": np.array([is_word(w) for w in words], dtype=bool),
    }
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    matches = lexicon_matches(words, lengths, indptr, todo, make_automaton(sorted(LEXICON)))
    docs, lefts, rights = batch_keyword_spans(words, indptr, scores, todo, flags, matches)
    got = {doc: [] for doc in np.flatnonzero(todo).tolist()}
    for doc, left, right in zip(docs.tolist(), lefts.tolist(), rights.tolist()):
        got[doc].append((left, right))
    assert sorted(got) == np.flatnonzero(todo).tolist()
    for doc, spans in got.items():
        start = indptr[doc]
        message = tuple(words[start : indptr[doc + 1]])
        expected = keyword_spans(message, scores[start : indptr[doc + 1]].tolist(), LEXICON, PREFIXES)
        assert [(left - start, right - start) for left, right in spans] == expected, message


def test_keywords_and_features_know_the_same_negators():
    assert NEGATORS == features.NEGATORS


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 3)), max_size=20))
def test_overlapping_docs_are_the_messages_with_two_spans_sharing_a_word(spans):
    """Message d owns the batch's words 10d to 10d + 9; each span is (message, offset, extra words)."""
    docs = [d for d, _, _ in spans]
    lefts = [10 * d + offset for d, offset, _ in spans]
    rights = [left + extra for left, (_, _, extra) in zip(lefts, spans)]
    pairs = [(i, j) for i in range(len(spans)) for j in range(i)]
    expected = {docs[i] for i, j in pairs if docs[i] == docs[j] and lefts[i] <= rights[j] and lefts[j] <= rights[i]}
    assert overlapping_docs(*(np.array(c, dtype=np.int64) for c in (docs, lefts, rights))) == expected
