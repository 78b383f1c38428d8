"""Settings in one place: read from the environment per call, injectable cache paths, no import side effects."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import taskladder.embeddings.embed as embed_module
from taskladder.embeddings import EmbeddingCache, embed_texts
from taskladder.errors import ConfigError
from taskladder.settings import Settings
from taskladder.yamlfile import load_yaml


def test_from_env_reads_the_given_mapping_and_derives_paths(tmp_path):
    s = Settings.from_env({"TASKLADDER_HOME": str(tmp_path), "TASKLADDER_TORCH_THREADS": "3"})
    assert s.store_path == tmp_path / "taskladder.sqlite" and s.embeddings_path == tmp_path / "embeddings.sqlite"
    assert s.downloads_dir == tmp_path / "downloads" and s.torch_threads == 3 and s.allow_hub is False
    with pytest.raises(ConfigError, match="TASKLADDER_TORCH_THREADS"):
        Settings.from_env({"TASKLADDER_TORCH_THREADS": "many"})


def test_cli_reads_the_home_per_invocation(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from taskladder.cli import app

    for name in ("a", "b"):
        monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / name))
        out = CliRunner().invoke(app, ["cache", "stats", "--json"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["path"] == str(tmp_path / name / "taskladder.sqlite")


def test_two_embedding_cache_paths_in_one_process_are_both_used(tmp_path, monkeypatch):
    seen = []

    class Fake:
        def encode(self, texts, **kw):
            return np.ones((len(texts), 4), dtype=np.float32)

    monkeypatch.setattr(embed_module, "load_model", lambda name, **options: seen.append(options) or Fake())
    one, two = EmbeddingCache(tmp_path / "1.sqlite"), EmbeddingCache(tmp_path / "2.sqlite")
    embed_texts(["x", "y"], cache=one)
    embed_texts(["z"], cache=two, settings=Settings(home=tmp_path, allow_hub=True, torch_threads=2))
    assert one.count() == 2 and two.count() == 1
    assert seen[-1] == {"allow_hub": True, "torch_threads": 2}

    from taskladder.task import Example

    three = EmbeddingCache(tmp_path / "3.sqlite")
    from taskladder.baselines.neighbours import EmbedNeighbours

    nb = EmbedNeighbours(cache=three)
    nb.fit([Example(id="a", inputs={"t": "new text"}).input_text()])
    assert three.count() == 1 and not (tmp_path / "home" / "embeddings.sqlite").exists()


def test_bad_yaml_is_one_line_naming_file_and_line(tmp_path):
    bad = tmp_path / "models.yaml"
    bad.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_yaml(bad)
    assert str(bad) in str(err.value) and "line" in str(err.value) and "\n" not in str(err.value)
    from taskladder.models.config import load_models
    from taskladder.task.load import load_yaml as old

    assert old is load_yaml
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_models(bad)


def test_importing_every_module_leaves_the_process_alone():
    script = r"""
import importlib, logging, os, pkgutil, warnings
import numpy  # numpy adds its own warning filters on import; not ours
import taskladder
env, filters = dict(os.environ), list(warnings.filters)
def handlers():
    out = {n: list(l.handlers) for n, l in logging.Logger.manager.loggerDict.items() if isinstance(l, logging.Logger)}
    out[""] = list(logging.root.handlers)
    return out
before = handlers()
for m in pkgutil.walk_packages(taskladder.__path__, "taskladder."):
    if m.name.endswith(("__main__", "_sandbox_child")):
        continue
    importlib.import_module(m.name)
assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())
assert list(warnings.filters) == filters, [f for f in warnings.filters if f not in filters]
after = handlers()
assert all(after[k] == before.get(k, []) for k in after if after[k]), after
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
