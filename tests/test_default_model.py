"""The one smoke test of the shipped default model."""

from emotion_matrix import load_model, suggest_replies


def test_shipped_model_reads_obvious_messages():
    model = load_model()
    assert model.head_names == ("emotion", "need")
    cases = {
        "等了两个小时还没送到，气死了！": ("anger", "efficiency"),
        "谢谢小哥，送餐超快，很满意": ("satisfaction", "efficiency"),
    }
    for text, (emotion, need) in cases.items():
        p = model.predict_one(text)
        assert (p.emotion.label, p.need.label) == (emotion, need), text
        assert p.keywords and all(k in text for k in p.keywords)
        assert suggest_replies(p, k=1)[0].text.endswith("？")
