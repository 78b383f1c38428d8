"""Loading documents for retrieval: each format, stable ids, and the user-facing errors."""

from __future__ import annotations

import sys

import pytest

from taskladder.errors import TaskladderError
from taskladder.retrieval import load_documents
from taskladder.retrieval.html_text import html_to_text


def _pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, with a correct xref table."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_folder_is_read_recursively_with_relative_ids_in_stable_order(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "b.md").write_text("# Bee\n\nbody b\n", encoding="utf-8")
    (docs / "a.txt").write_text("plain a\n", encoding="utf-8")
    (docs / "sub" / "c.html").write_text("<h1>Sea</h1><p>body c</p>", encoding="utf-8")
    (docs / "image.png").write_bytes(b"\x89PNG")  # unsupported inside a folder: skipped

    loaded = load_documents(["docs"], tmp_path)

    assert [d.id for d in loaded] == ["docs/a.txt", "docs/b.md", "docs/sub/c.html"]
    assert [d.title for d in loaded] == ["a", "Bee", "Sea"]
    assert loaded[0].text == "plain a\n"
    # The same folder named twice, or a file inside it named again, is read once.
    again = load_documents([str(docs), "docs/b.md"], tmp_path)
    assert [d.id for d in again] == [d.id for d in loaded]


def test_file_outside_the_task_folder_gets_a_relative_id(tmp_path):
    outside = tmp_path / "elsewhere" / "manual"
    outside.mkdir(parents=True)
    (outside / "x.md").write_text("text", encoding="utf-8")
    task_dir = tmp_path / "task"
    task_dir.mkdir()
    assert [d.id for d in load_documents([outside], task_dir)] == ["manual/x.md"]


def test_html_strips_tags_keeps_headings_and_drops_scripts():
    html = """<html><head><title>Page &amp; title</title><style>p {color: red}</style></head>
    <body><nav>Home | Help</nav><h1>Main  heading</h1><p>First   para
    continues.</p><script>var x = "hidden";</script><h3>Sub</h3>
    <ul><li>one</li><li>two &lt;b&gt;</li></ul><p>Last<br>line</p></body></html>"""
    text, title = html_to_text(html)
    assert title == "Page & title"
    assert text == (
        "# Main heading\n\nFirst para continues.\n\n### Sub\n\n- one\n- two <b>\n\nLast\nline\n"
    )
    assert "hidden" not in text and "color" not in text and "Home" not in text


def test_missing_path_names_it(tmp_path):
    with pytest.raises(TaskladderError, match="nowhere.md"):
        load_documents(["nowhere.md"], tmp_path)


def test_unsupported_file_named_directly_is_an_error(tmp_path):
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    with pytest.raises(TaskladderError, match=r"sheet\.xlsx.*unsupported document type"):
        load_documents(["sheet.xlsx"], tmp_path)


def test_folder_without_documents_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.docx").write_bytes(b"PK")
    with pytest.raises(TaskladderError, match="no documents found"):
        load_documents(["empty"], tmp_path)


def test_non_utf8_text_is_decoded_not_rejected(tmp_path):
    # The exact legacy encoding is a guess (charset detection); the file must still load.
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 cr\xe8me, d\xe9j\xe0 vu.\r\n".encode("latin-1") * 5)
    (doc,) = load_documents(["latin.txt"], tmp_path)
    assert doc.text.count("Caf") == 5 and "\r" not in doc.text


def test_pdf_without_pypdf_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "m.pdf").write_bytes(_pdf_bytes("Hello manual"))
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf now raises ImportError
    with pytest.raises(TaskladderError, match="pip install pypdf") as err:
        load_documents(["m.pdf"], tmp_path)
    assert "\n" not in str(err.value)


def test_pdf_text_is_extracted_when_pypdf_is_installed(tmp_path):
    pytest.importorskip("pypdf")
    (tmp_path / "m.pdf").write_bytes(_pdf_bytes("Hold the dial for ten seconds"))
    (doc,) = load_documents(["m.pdf"], tmp_path)
    assert doc.id == "m.pdf"
    assert "Hold the dial for ten seconds" in doc.text


def test_broken_pdf_is_a_user_error(tmp_path):
    pytest.importorskip("pypdf")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    with pytest.raises(TaskladderError, match="bad.pdf"):
        load_documents(["bad.pdf"], tmp_path)
