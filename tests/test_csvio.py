import pandas as pd
import pytest

from emotion_matrix import DataError
from emotion_matrix.csvio import atomic_output, detect_encoding, iter_csv_chunks, read_labeled_csv

ROWS = [["1", "太慢了，气死了！", "a,b"], ["2", "謝謝，很滿意", ""], ["3", "NA", "null"]]


def _write(path, encoding, sep=","):
    frame = pd.DataFrame(ROWS, columns=["id", "text", "note"])
    frame.to_csv(path, index=False, sep=sep, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("encoding", "sep", "detected"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("gb18030", ",", "gb18030"),
        ("utf-16", "\t", "utf-16"),
        ("utf-8", ";", "utf-8"),
    ],
)
def test_reads_common_exports_unchanged(tmp_path, encoding, sep, detected):
    path = _write(tmp_path / "in.csv", encoding, sep)
    assert detect_encoding(path) == detected
    chunks = list(iter_csv_chunks(path, chunksize=2))
    assert [len(c.rows) for c in chunks] == [2, 1] and [c.first_row for c in chunks] == [1, 3]
    assert chunks[0].header == ("id", "text", "note")
    assert [r for c in chunks for r in c.rows] == ROWS  # "NA", "null" and "" stay as written


def test_big5_is_detected(tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes(
        ("id,text\n" + "".join(f"{i},這個產品質量太差了，請問怎麼退貨呢\n" for i in range(30))).encode("big5")
    )
    (chunk,) = iter_csv_chunks(path)
    assert chunk.rows[0][1] == "這個產品質量太差了，請問怎麼退貨呢"


def test_missing_text_column_says_how_to_fix(tmp_path):
    path = _write(tmp_path / "in.csv", "utf-8")
    with pytest.raises(DataError, match=r"no column '内容'.*--text-column"):
        list(iter_csv_chunks(path, text_column="内容"))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        list(iter_csv_chunks(tmp_path / "nope.csv"))


def test_wrong_forced_encoding(tmp_path):
    path = _write(tmp_path / "in.csv", "gb18030")
    with pytest.raises(DataError, match="not valid utf-8.*--encoding"):
        list(iter_csv_chunks(path, encoding="utf-8"))


def test_labeled_csv_needs_label_columns(tmp_path):
    path = _write(tmp_path / "in.csv", "utf-8")
    with pytest.raises(DataError, match=r"needs columns \['text', 'emotion', 'need'\]"):
        read_labeled_csv(path)


def test_atomic_output_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_output(out) as handle:
            handle.write("partial")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_refuses_input_and_existing(tmp_path):
    src = _write(tmp_path / "in.csv", "utf-8")
    with pytest.raises(DataError, match="refusing to overwrite the input"):
        with atomic_output(src, force=True, inputs=[src]):
            pass
    with pytest.raises(DataError, match="--force"):
        with atomic_output(src):
            pass


def test_header_names_are_kept_as_written(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,,text,id\n1,x,好,2\n", encoding="utf-8")
    (chunk,) = iter_csv_chunks(path)
    assert chunk.header == ("id", "", "text", "id") and chunk.rows == [["1", "x", "好", "2"]]


def test_duplicate_text_column_is_an_error(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("text,text\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="2 columns named 'text'"):
        list(iter_csv_chunks(path))


def test_short_rows_are_padded_with_a_warning(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text,note\n1,好\n2,差,x\n3\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"rows \[1, 3\]"):
        (chunk,) = iter_csv_chunks(path)
    assert chunk.rows == [["1", "好", ""], ["2", "差", "x"], ["3", "", ""]]


def test_long_row_names_the_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,好\n2,差,多\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2 .* has 3 fields"):
        list(iter_csv_chunks(path))


def test_quoted_multiline_field(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes('id,text\r\n1,"第一行\n第二行, 有逗号"\r\n'.encode())
    (chunk,) = iter_csv_chunks(path)
    assert chunk.rows == [["1", "第一行\n第二行, 有逗号"]]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("太慢了", "gb18030"), ("谢谢", "gb18030"), ("這個產品質量太差了", "big5"), ("很满意", "utf-8")],
)
def test_tiny_files_are_detected(tmp_path, text, encoding):
    path = tmp_path / "in.csv"
    path.write_bytes(f"text\n{text}\n".encode("gbk" if encoding == "gb18030" else encoding))
    assert detect_encoding(path) == encoding
    (chunk,) = iter_csv_chunks(path)
    assert chunk.rows == [[text]]


def test_blank_lines_are_skipped_with_a_warning(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,好\n\n\n2,差\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"2 blank lines were skipped \(lines \[3, 4\]\)"):
        (chunk,) = iter_csv_chunks(path)
    assert chunk.rows == [["1", "好"], ["2", "差"]]


def test_very_long_field(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1," + "长" * 200_000 + "\n", encoding="utf-8")
    (chunk,) = iter_csv_chunks(path)
    assert len(chunk.rows[0][1]) == 200_000


def test_output_is_readable_by_others(tmp_path):
    import os
    import stat

    out = tmp_path / "out.csv"
    with atomic_output(out) as handle:
        handle.write("x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_estimate_rows(tmp_path, encoding):
    from emotion_matrix.csvio import estimate_rows

    path = _write(tmp_path / "in.csv", encoding)
    assert estimate_rows(path, encoding) == len(ROWS)
