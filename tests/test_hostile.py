"""Hostile input: arbitrary strings and objects, interrupted runs, byte-exact pass-through."""

import csv
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emotion_matrix import LabelScore, Prediction, PredictionTable, save_model, suggest_replies
from emotion_matrix.mirroring import EMOTIONS, NEEDS, is_safe_echo
from emotion_matrix.normalize import normalize, normalize_many
from emotion_matrix.segment import segment, segment_many

# Mostly Chinese, with every other kind of character mixed in (surrogates, controls, emoji, RTL marks).
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(codec=None),
        st.sampled_from(list("！？!?，。 \t\n\u200b\u202e\ufeff😀🙂@=+-") + ["\ud800", "\udfff"]),
    ),
    max_size=80,
)
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(TEXT)
def test_normalize_never_fails_and_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in once)


@SETTINGS
@given(TEXT)
def test_segment_never_fails_and_keeps_the_characters(text):
    clean = normalize(text)
    assert "".join(segment(clean)) == clean.replace(" ", "")


@SETTINGS
@given(st.lists(TEXT, max_size=6))
def test_batch_normalize_and_segment_match_one_by_one(texts):
    normalized = normalize_many(texts)
    assert normalized == [normalize(t) for t in texts]
    batch = segment_many(normalized)
    assert [batch.of(i) for i in range(len(texts))] == [segment(t) for t in normalized]
    for i, text in enumerate(normalized):  # word offsets point into the joined texts
        for word, start in zip(batch.of(i), batch.starts[batch.indptr[i] : batch.indptr[i + 1]]):
            assert batch.joined[start : start + len(word)] == word


@SETTINGS
@given(st.lists(st.one_of(TEXT, st.none(), st.integers(), st.floats(), st.binary(max_size=8)), max_size=8))
def test_predict_any_values(trained_model, values):
    predictions = trained_model.predict(values)
    assert len(predictions) == len(values)
    assert predictions == trained_model.predict(values)  # deterministic
    assert predictions == [trained_model.predict_one(v) for v in values]  # batching changes nothing
    assert trained_model.predict_table(values) == PredictionTable.from_predictions(predictions, ("emotion", "need"))
    for value, p in zip(values, predictions):
        assert p.status in ("ok", "truncated", "empty", "not_text")
        if isinstance(value, str):
            assert p.text == value and all(k in value for k in p.keywords)
        for reply in suggest_replies(p, k=2):
            assert reply.text.endswith("？")


@SETTINGS
@given(TEXT, st.lists(TEXT, max_size=4), st.sampled_from(EMOTIONS), st.sampled_from(NEEDS))
def test_suggest_replies_any_keywords(text, keywords, emotion, need):
    p = Prediction(text, {"emotion": LabelScore(emotion, 0.9, ()), "need": LabelScore(need, 0.9, ())}, tuple(keywords))
    for reply in suggest_replies(p, k=3):
        assert reply.text.endswith("？") and reply.text.endswith(reply.question)
        assert all(is_safe_echo(e) and e in keywords for e in reply.echoed)
        assert len(reply.text) <= 110


def test_five_megabyte_message(trained_model):
    p = trained_model.predict_one("太慢了！" * 1_250_000)
    assert p.status == "truncated" and p.emotion is not None and len(p.text) == trained_model.config.max_chars


def _rows(n):
    texts = ["太慢了，气死了！", "谢谢, 很满意", '他说"好的"', "多行\n文本", "", "=1+1", " 前后空格 "]
    return [[str(i), texts[i % len(texts)], f"备注{i}"] for i in range(n)]


def test_input_fields_round_trip_byte_for_byte(tmp_path, trained_model):
    source = io.StringIO(newline="")
    csv.writer(source, lineterminator="\r\n").writerows([["id", "text", "note"], *_rows(50)])
    (tmp_path / "in.csv").write_bytes(source.getvalue().encode("utf-8"))
    from emotion_matrix import score_csv

    score_csv(tmp_path / "in.csv", tmp_path / "out.csv", model=trained_model, progress=False)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        scored = [row[:3] for row in csv.reader(handle)]
    again = io.StringIO(newline="")
    csv.writer(again, lineterminator="\r\n").writerows(scored)
    assert again.getvalue().encode("utf-8") == (tmp_path / "in.csv").read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killed_run_leaves_no_output(tmp_path, trained_model):
    model_dir = save_model(trained_model, tmp_path / "model")
    with (tmp_path / "in.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "note"])
        writer.writerows(_rows(300_000))
    out = tmp_path / "out.csv"
    command = [
        sys.executable,
        "-m",
        "emotion_matrix",
        "score",
        str(tmp_path / "in.csv"),
        "-o",
        str(out),
        "--model",
        str(model_dir),
        "--chunksize",
        "500",
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
