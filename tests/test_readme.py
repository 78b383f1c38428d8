"""The README's Python example runs as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _python_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From Python"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    code = _python_example().replace('Store(".taskladder/notebook.sqlite")', f'Store(r"{tmp_path / "nb.sqlite"}")')
    assert "nb.sqlite" in code  # the example still builds its own store
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    lr, mine, diff = namespace["lr"], namespace["mine"], namespace["diff"]
    assert 0.5 < lr.summary.score <= 1.0 and lr.summary.ci_low <= lr.summary.score <= lr.summary.ci_high
    assert mine.run.model == "always-billing" and mine.summary.score < lr.summary.score
    assert diff.n == lr.summary.n and diff.diff > 0  # B (tf-idf) − A (the rule): better
    printed = capsys.readouterr().out
    assert f"{lr.summary.score}" in printed and "tfidf-lr − rule" in printed


def test_the_public_names_are_exactly_the_lazy_table():
    import taskladder

    assert set(taskladder.__all__) == {"__version__", "TaskladderError", *taskladder._PUBLIC}
    for name in taskladder._PUBLIC:
        assert getattr(taskladder, name) is not None
