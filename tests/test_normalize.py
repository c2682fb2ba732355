import pandas as pd
import pytest

from emotion_matrix import normalize as normalize_module
from emotion_matrix.normalize import locate, normalize, normalize_many

from .conftest import DATA


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("太慢了！！！！！！", "太慢了!!!"),
        ("真的吗？？？？", "真的吗???"),
        ("好!!!", "好!!!"),
        ("  多个   空格\t\n换行  ", "多个 空格 换行"),
        ("零\u200b宽\u200d字\ufeff符", "零宽字符"),
        ("方向\u202e标记\u200f", "方向标记"),
        ("控制\x00\x07字符\x7f", "控制字符"),
        ("孤立\ud800代理", "孤立代理"),
        ("這個產品質量太差了", "这个产品质量太差了"),
        ("", ""),
        ("plain ascii", "plain ascii"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("氣死我了，服務態度太差", "气死我了，服务态度太差"),
        ("為什麼還沒發貨", "为什么还没发货"),
        ("謝謝，很滿意", "谢谢，很满意"),
    ],
)
def test_traditional_matches_simplified(traditional, simplified):
    assert normalize(traditional) == normalize(simplified)


@pytest.mark.parametrize(
    ("original", "fragment", "expected"),
    [
        ("等太久了", "太久", "太久"),
        ("氣死我了！", "气死", "氣死"),
        ("ＴＭＤ不满意", "不满意", "不满意"),
        ("ａｂｃ太差", "bc太", "ｂｃ太"),
        ("完全无关", "气死", None),
    ],
)
def test_locate_returns_verbatim_text(original, fragment, expected):
    assert locate(original, fragment) == expected


@pytest.mark.parametrize("short", [0, 10**9])
def test_batch_paths_match_one_by_one(monkeypatch, short):
    """Both ways of normalizing a batch (arrays for long input, plain for short) agree with normalize()."""
    monkeypatch.setattr(normalize_module, "SHORT", short)
    texts = []
    for name in ("tiny.csv", "mirror_messages.csv", "redteam.csv"):
        texts += pd.read_csv(DATA / name, dtype=str, keep_default_na=False)["text"].tolist()
    texts += ["ＡＢＣ！！！！！…好", "這個\u3000太差了①", "e\u0301", "\u0301x", "", " \n "]
    assert normalize_many(texts) == [normalize(t) for t in texts]
