import json
import re

import pandas as pd
import pytest

from emotion_matrix import LabelScore, Prediction, TemplateError, load_templates, suggest_replies
from emotion_matrix.mirroring import EMOTIONS, NEEDS, first_reply_texts, is_safe_echo

from .conftest import DATA

MAX_REPLY_CHARS = 110
YES_NO = re.compile("(吗|么|嘛)？$|是不是|能不能|可不可以|好不好|对不对|有没有|是否")


def _prediction(text, emotion, need, keywords=()):
    return Prediction(
        text, {"emotion": LabelScore(emotion, 0.9, ()), "need": LabelScore(need, 0.8, ())}, keywords=tuple(keywords)
    )


def test_every_cell_has_three_variants():
    templates = load_templates()
    for emotion in EMOTIONS:
        for need in NEEDS:
            assert len(templates.cells[(emotion, need)]) >= 3, (emotion, need)


def test_reply_quotes_keyword_and_ends_with_open_question():
    replies = suggest_replies(_prediction("等了两个小时，太慢了！", "anger", "efficiency", ["太慢了"]), k=3)
    assert len(replies) == 3 and len({r.text for r in replies}) == 3
    for reply in replies:
        assert "“太慢了”" in reply.text and reply.echoed == ("太慢了",)
        assert reply.text.endswith(reply.question) and reply.question.endswith("？")
        assert not YES_NO.search(reply.question)


def test_unsafe_keyword_is_not_quoted():
    p = _prediction("垃圾客服，气死了", "anger", "respect", ["垃圾客服", "气死了"])
    for reply in suggest_replies(p, k=3):
        assert "垃圾" not in reply.text and reply.echoed == ("气死了",)


def test_only_unsafe_keywords_gives_plain_opening():
    p = _prediction("你们这帮骗子", "anger", "fairness", ["骗子"])
    reply = suggest_replies(p, k=1)[0]
    assert reply.echoed == () and "骗子" not in reply.text and "“" not in reply.text


def test_prediction_without_heads_gets_neutral_reply():
    reply = suggest_replies(Prediction("", status="empty"), k=1)[0]
    assert reply.template_id.startswith("neutral.other")


def test_brief_style_is_shorter():
    p = _prediction("太慢了", "anger", "efficiency", ["太慢了"])
    assert len(suggest_replies(p, k=1, style="brief")[0].text) < len(suggest_replies(p, k=1)[0].text)


@pytest.mark.parametrize(
    ("phrase", "safe"),
    [
        ("太慢了", True),
        ("不满意", True),
        ("傻逼", False),
        ("SB客服", False),
        ("13812345678", False),
        ("a@b.com", False),
        ("朝阳区建国路88号", False),
        ("[ORDERID_1]", False),
        ("非常非常非常非常非常非常失望", False),
        ("騙子", False),
        ("廢物", False),
        ("腦殘客服", False),
        ("ＳＢ", False),
        ("ｓ ｂ", False),
        ("１３８１２３４５６７８", False),
        ("气\u202e死了", False),
        ("太\u200b慢了", False),
        ("氣死了", True),
    ],
)
def test_is_safe_echo(phrase, safe):
    assert is_safe_echo(phrase) is safe


def test_replies_vary_over_a_batch():
    texts = [f"第{i}次催了，太慢了" for i in range(20)]
    first = {suggest_replies(_prediction(t, "anger", "efficiency", ["太慢了"]), k=1)[0].text for t in texts}
    assert len(first) >= 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"format_version": 2, "templates": {}}, "format_version 1"),
        ({"format_version": 1, "templates": {"rage": {}}}, "unknown emotion 'rage'"),
        ({"format_version": 1, "templates": {"anger": {"speed": [{}]}}}, "unknown need 'speed'"),
        (
            {
                "format_version": 1,
                "templates": {"anger": {"efficiency": [{"echo": "{name}", "plain": "", "body": "", "question": "？"}]}},
            },
            "unknown slot {name}",
        ),
        (
            {
                "format_version": 1,
                "templates": {"anger": {"efficiency": [{"echo": "无", "plain": "", "body": "", "question": "？"}]}},
            },
            "exactly once",
        ),
        ({"format_version": 1, "templates": {"anger": {"efficiency": [{"echo": "“{echo}”"}]}}}, "needs string fields"),
    ],
)
def test_template_file_errors(tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(TemplateError, match=re.escape(message)):
        load_templates(path)


def test_custom_file_with_missing_cell_falls_back(tmp_path):
    cell = {"echo": "您说“{echo}”。", "plain": "明白。", "body": "", "question": "您希望什么时候收到？"}
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"format_version": 1, "templates": {"anger": {"efficiency": [cell]}}}), encoding="utf-8")
    templates = load_templates(path)
    assert suggest_replies(_prediction("慢", "anger", "efficiency", ["慢"]), templates=templates)[0].text == (
        "您说“慢”。您希望什么时候收到？"
    )
    fallback = suggest_replies(_prediction("谢谢", "satisfaction", "other"), templates=templates, k=1)[0]
    assert fallback.template_id.startswith("satisfaction.other")


def test_property_over_realistic_messages():
    """Every reply ends with an open question and quotes a safe keyword verbatim when there is one."""
    frame = pd.read_csv(DATA / "mirror_messages.csv", dtype=str, keep_default_na=False)
    assert len(frame) >= 300
    for row in frame.itertuples():
        keywords = [k for k in row.keywords.split("|") if k]
        for reply in suggest_replies(_prediction(row.text, row.emotion, row.need, keywords), k=3):
            assert reply.question.endswith("？") and reply.text.endswith(reply.question)
            assert len(reply.text) <= MAX_REPLY_CHARS
            assert not YES_NO.search(reply.question), reply.question
            if keywords:
                assert reply.echoed and reply.echoed[0] in row.text and f"“{reply.echoed[0]}”" in reply.text


def test_red_team_never_echoes_unsafe_text():
    frame = pd.read_csv(DATA / "redteam.csv", dtype=str, keep_default_na=False)
    assert len(frame) >= 100
    unsafe_echoes = 0
    for row in frame.itertuples():
        fragments = [f for f in row.unsafe.split("|") if f]
        # the worst case: every unsafe fragment is offered as a keyword
        for reply in suggest_replies(_prediction(row.text, "anger", "respect", fragments), k=3):
            unsafe_echoes += any(f in echo or echo in f for f in fragments for echo in reply.echoed)
    assert unsafe_echoes == 0


def test_replies_from_the_model_quote_its_safe_keywords(trained_model):
    """End to end: whenever the model finds a safe keyword, the reply quotes one verbatim."""
    frame = pd.read_csv(DATA / "mirror_messages.csv", dtype=str, keep_default_na=False)
    quoted = 0
    for p in trained_model.predict(frame["text"]):
        reply = suggest_replies(p, k=1)[0]
        safe = [k for k in p.keywords if is_safe_echo(k)]
        assert reply.text.endswith("？")
        if safe:
            assert reply.echoed == (safe[0],) and f"“{safe[0]}”" in reply.text and safe[0] in p.text
            quoted += 1
    assert quoted > 100


def test_batch_reply_texts_match_suggest_replies(trained_model):
    frame = pd.read_csv(DATA / "mirror_messages.csv", dtype=str, keep_default_na=False)
    predictions = trained_model.predict(frame["text"])
    texts = first_reply_texts(
        [p.text for p in predictions],
        [p.emotion.label for p in predictions],
        [p.need.label for p in predictions],
        [p.keywords for p in predictions],
    )
    assert texts == [suggest_replies(p, k=1)[0].text for p in predictions]
    assert len(set(texts)) > len(texts) / 2
