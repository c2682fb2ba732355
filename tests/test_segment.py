import pandas as pd
import pytest

from emotion_matrix import segment as segment_module
from emotion_matrix.normalize import normalize
from emotion_matrix.segment import segment, segment_many, user_words

from .conftest import DATA


def test_segment_keeps_user_words():
    assert "气死了" in segment("等了好久，气死了!")
    assert "不满意" in segment("这次很不满意")


def test_segment_drops_spaces_and_keeps_text():
    words = segment("hello world 太慢了")
    assert all(not w.isspace() for w in words)
    assert "".join(words) == "helloworld太慢了"


def test_segment_empty():
    assert segment("") == ()


def _corpus() -> list[str]:
    texts = []
    for name in ("tiny.csv", "mirror_messages.csv", "redteam.csv"):
        texts += pd.read_csv(DATA / name, dtype=str, keep_default_na=False)["text"].tolist()
    return [normalize(t) for t in texts]


def test_parity_with_jieba_without_hmm():
    """The fast segmenter gives jieba's own words (HMM off) on every test message."""
    jieba = pytest.importorskip("jieba")
    reference = jieba.Tokenizer()
    for word in user_words():  # stock jieba works out each word's frequency itself
        reference.add_word(word)
    corpus = _corpus()
    assert len(corpus) > 300
    corpus += [char * n for char in "好呵哈啊哦擦" for n in range(3, 16)]  # near-ties the frequencies decide
    for text in corpus:
        expected = tuple(w for w in reference.lcut(text, HMM=False) if not w.isspace())
        assert segment(text) == expected, text


def test_user_words_carry_the_frequencies_stock_jieba_gives_them():
    jieba = pytest.importorskip("jieba")
    reference = jieba.Tokenizer()
    for word, freq in user_words().items():
        reference.add_word(word)
        assert reference.FREQ[word] == freq, word


def test_library_never_touches_global_jieba():
    """A host program's jieba keeps its own dictionary: our user words are not added to it."""
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(60)
    jieba.initialize()
    before = dict(jieba.dt.FREQ)
    assert segment("等了好久，气死了") == ("等", "了", "好久", "，", "气死了")
    assert jieba.dt.FREQ == before
    assert not jieba.dt.FREQ.get("气死了")  # a user word of ours, unknown to the host's jieba
    assert "气死了" not in jieba.lcut("等了好久，气死了", HMM=False)


@pytest.mark.parametrize("short", [0, 10**9])
def test_batch_paths_match_one_by_one(monkeypatch, short):
    """Both ways of segmenting a batch (arrays for long input, word by word for short) agree with segment()."""
    monkeypatch.setattr(segment_module, "SHORT", short)
    corpus = _corpus()
    batch = segment_many(corpus)
    assert [batch.of(i) for i in range(len(corpus))] == [segment(t) for t in corpus]
    assert all(batch.joined[s : s + len(w)] == w for w, s in zip(batch.words, batch.starts))
    assert segment_many([]).indptr.tolist() == [0]


def test_one_text_gets_the_same_words_and_offsets_either_way(monkeypatch):
    """A single text (with or without spaces) collected word by word matches the array path."""
    corpus = _corpus()[:200] + ["谢谢 你", "好"]
    monkeypatch.setattr(segment_module, "SHORT", 10**9)
    short = [segment_many([t]) for t in corpus]
    monkeypatch.setattr(segment_module, "SHORT", 0)
    for text, got in zip(corpus, short):
        want = segment_many([text])
        assert got.words == want.words, text
        for name in ("starts", "ends", "indptr"):
            assert getattr(got, name).tolist() == getattr(want, name).tolist(), (text, name)
