"""A table file is read a line at a time and a big table's packed rows live in a temporary file
(issue 20): the same rows, errors and examples as decoding the whole file and packing in memory."""

from __future__ import annotations

import csv
import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from taskladder.errors import DataError
from taskladder.task import decoding, packed
from taskladder.task.decoding import decode_text, decoded_lines, split_lines
from taskladder.task.packed import PackedTable
from taskladder.task.separator import detect_separator
from taskladder.task.tables import iter_table


def _whole_text_rows(path: Path, encoding: str | None = None) -> list[dict]:
    """The rows as the loader read them before: the whole file decoded, then split."""
    text = decode_text(path, encoding)
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in split_lines(text) if line.strip()]
    sep = detect_separator(text, ",")
    return [dict(r) for r in csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)]


CSV_TEXT = 'id;text;label\r\n1;"two\nlines";a\r2;plain;b\n3;"a\r\nb";c\n4;café naïve;d'


@pytest.mark.parametrize("chunk", [3, 7, 1 << 20])
@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("plain.csv", CSV_TEXT.encode(), None),
        ("bom.csv", b"\xef\xbb\xbf" + CSV_TEXT.encode(), None),
        ("named.csv", CSV_TEXT.encode("latin-1"), "latin-1"),
        ("named-bom.csv", b"\xef\xbb\xbf" + CSV_TEXT.encode(), "utf-8"),
        (
            "guessed.csv",
            ("id,text,label\n" + "".join(f"{i},Grüße aus München über die Straße {i},x\n" for i in range(40))).encode(
                "cp1252"
            ),
            None,
        ),
        ("rows.jsonl", b'{"a": 1}\r\n\n{"a": "\\u00e9t\xc3\xa9"}\r{"a": 3}', None),
    ],
)
def test_streamed_rows_are_the_whole_texts(tmp_path: Path, monkeypatch, name, data, encoding, chunk) -> None:
    monkeypatch.setattr(decoding, "_CHUNK", chunk)  # small chunks: characters and \r\n cut across reads
    path = tmp_path / name
    path.write_bytes(data)
    assert "".join(decoded_lines(path, encoding)) == decode_text(path, encoding)
    assert list(decoded_lines(path, encoding)) == list(split_lines(decode_text(path, encoding)))
    assert list(iter_table(path, encoding)) == _whole_text_rows(path, encoding)


def test_separator_is_found_on_the_first_lines_of_a_long_file(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("id;text\n" + "".join(f"{i};row {i}, with a comma\n" for i in range(10_000)))
    rows = list(iter_table(path))
    assert (
        rows == _whole_text_rows(path) and len(rows) == 10_000 and rows[5] == {"id": "5", "text": "row 5, with a comma"}
    )


@pytest.mark.parametrize("chunk", [2, 5, 1 << 20])
def test_bad_bytes_name_the_same_line(tmp_path: Path, monkeypatch, chunk) -> None:
    monkeypatch.setattr(decoding, "_CHUNK", chunk)
    path = tmp_path / "bad.csv"
    path.write_bytes("id,text\n1,é\n2,ok\n3,".encode() + b"\xe9\xff\xfe" + b"\n4,x\n")
    with pytest.raises(DataError) as streamed:
        decoded_lines(path, "utf-8")
    with pytest.raises(DataError) as whole:
        decode_text(path, "utf-8")
    assert str(streamed.value) == str(whole.value) and "near line 4" in str(streamed.value)
    with pytest.raises(DataError) as unknown:
        decoded_lines(path, "no-such-codec")
    assert "unknown encoding" in str(unknown.value)


def test_a_big_table_spills_to_a_file_and_reads_back_the_same(monkeypatch) -> None:
    monkeypatch.setattr(packed, "SPILL_BYTES", 200)  # spill after a few rows
    rows = [
        (f"id{i}", {"text": f"text {i} " * (i % 5)}, {"label": str(i % 3)}, {"x": i} if i % 2 else {})
        for i in range(300)
    ]
    small, big = PackedTable(["text"], ["label"]), PackedTable(["text"], ["label"])
    monkeypatch.setattr(packed, "SPILL_BYTES", 1 << 30)
    for r in rows:
        small.append(*r)
    monkeypatch.setattr(packed, "SPILL_BYTES", 200)
    for r in rows:
        big.append(*r)
    assert small._file is None and big._file is not None and not big._buf
    assert [big.example(i) for i in range(300)] == [small.example(i) for i in range(300)]
    assert big.id_hashes().tolist() == small.id_hashes().tolist()
    copy = pickle.loads(pickle.dumps(big))  # to another process: the rows travel, not the file
    assert [copy.example(i) for i in (0, 150, 299)] == [small.example(i) for i in (0, 150, 299)]
    assert list(big.view()[10:20]) == list(small.view()[10:20])
    with pytest.raises(RuntimeError):
        big.append("late", {"text": "t"}, {"label": "0"}, {})


def test_overlap_counts_are_isins(monkeypatch) -> None:
    from taskladder.task import overlap

    monkeypatch.setattr(packed, "_MEMBER_CHUNK", 7)  # several chunks
    rng = np.random.default_rng(0)
    for n_keys, n_among in [(0, 5), (5, 0), (50, 3), (300, 40), (1, 1)]:
        keys, among = rng.integers(0, 60, n_keys), rng.integers(0, 60, n_among)
        assert overlap._found(keys, np.sort(among)) == int(np.isin(keys, among).sum())
