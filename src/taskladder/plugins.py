"""Plugins: providers, baselines, metrics and rungs found through Python entry points.

A package adds to taskladder by declaring entry points in its own ``pyproject.toml``; once
it is installed, its names work everywhere a built-in name does (CLI flags, pipeline specs,
``taskladder plugins``)::

    [project.entry-points."taskladder.baselines"]
    first-label = "my_pkg.baselines:FirstLabel"      # -m baseline/first-label

What each group's entry point names, and what its object must be:

``taskladder.providers``
    name: a model prefix (``myprov`` serves ``-m myprov/anything``). Object: a factory
    ``factory(cfg: ModelConfig)`` returning a client with
    ``async complete(messages, params) -> CallResult`` (see ``models/llm.py``). Prefixes no
    provider claims go to LiteLLM. Plugin models cost "unknown" unless models.yaml gives a price.
``taskladder.baselines``
    name: the part after ``baseline/``. Object: ``factory(full_name) -> BatchPredictor``
    (usually a ``Baseline`` subclass, see ``baselines/base.py``).
``taskladder.metrics``
    name: the ``--metric`` name (case and ``-``/``_`` do not matter). Object:
    ``factory(outputs: dict[str, OutputField], field: str | None) -> Metric``; ``outputs`` is
    the task's output fields ({} without a task), ``field`` the one the user named, if any.
``taskladder.rungs``
    name: the rung's name. Object: the rung (or a class/factory of it) as ``ladder/`` defines
    rungs. Its place in the ladder is its attribute ``after``: the name of the rung it comes
    right after (``after = "knn-shots"``); no ``after`` puts it at the end. Rungs that name
    the same ``after`` keep this module's order (distribution, then entry point name).
    ``place_after`` does the placing once ``ladder/`` has its ordered built-in rungs.

taskladder's own built-ins are declared the same way in its ``pyproject.toml``, so a plugin
and a built-in are looked up alike. When the installed metadata does not match the code
(a source checkout run with ``PYTHONPATH``, an install older than the code), the built-ins
come from the table the registry passes in instead, so they always work.

Each group is loaded once per process, in a fixed order: built-ins first, in their table's
order, then plugins sorted by distribution and entry point name. A plugin that fails to load,
has an unusable name or takes a name already registered is left out with one warning line
naming it and its distribution; the rest of the registry still works.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from .errors import ConfigError, TaskladderError
from .usercode import one_line

log = logging.getLogger(__name__)

GROUPS = ("providers", "baselines", "metrics", "rungs")
GROUP_PREFIX = "taskladder."
BUILTIN_DISTRIBUTION = "taskladder"
# Names end up in CLI flags, model strings (``prefix/...``, ``baseline/...``) and file names.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Plugin:
    """One registered object: where it came from and the object itself."""

    group: str  # "baselines", without the "taskladder." prefix
    name: str  # the name users type (normalised by the group's registry)
    target: str  # "module:attribute", as the entry point says
    distribution: str  # the installed package that declared it ("taskladder" for built-ins)
    obj: Any

    @property
    def builtin(self) -> bool:
        return self.distribution == BUILTIN_DISTRIBUTION

    def make(self, *args: Any, **kwargs: Any) -> Any:
        """Call the registered factory. A plugin's own failure becomes a one-line ``ConfigError``
        that names it (the fix is in that package); a built-in's propagates as the bug it is."""
        try:
            return self.obj(*args, **kwargs)
        except TaskladderError:
            raise
        except Exception as exc:
            if self.builtin:
                raise
            raise ConfigError(f"{self.describe()} raised {one_line(exc)}; fix or uninstall that plugin") from exc

    def describe(self) -> str:
        return f"plugin {self.group} '{self.name}' ({self.target}) from {self.distribution}"


_cache: dict[str, dict[str, Plugin]] = {}


def registry(group: str, builtins: Mapping[str, str] | None = None,
             normalize: Callable[[str], str] = str) -> dict[str, Plugin]:
    """Every ``taskladder.<group>`` object by name: built-ins first, then plugins.

    ``builtins`` maps name -> "module:attribute" for taskladder's own objects (the same
    table pyproject.toml declares; ``None`` when the code has none and the metadata's
    taskladder entries are taken as they are); ``normalize`` turns an entry point name into the key
    users look it up by. The result is cached per process; ``clear_cache`` forgets it.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown plugin group '{group}'; groups are {', '.join(GROUPS)}")
    if group not in _cache:
        _cache[group] = _load(group, None if builtins is None else dict(builtins), normalize)
    return _cache[group]


def clear_cache() -> None:
    """Forget loaded registries (tests that change the installed entry points use it)."""
    _cache.clear()


def place_after(items: list[Any], additions: list[Plugin], name_of: Callable[[Any], str]) -> list[Any]:
    """``items`` (the built-in rungs, in ladder order) with each addition's object placed right
    after the item its ``after`` attribute names; no ``after`` puts it at the end.

    Additions come in registry order, and one placed after the same item as an earlier one
    goes after that earlier one too, so the result never depends on install order. An
    ``after`` naming nothing in the ladder puts the rung at the end with one warning line.
    """
    out = list(items)
    for plugin in additions:
        after = getattr(plugin.obj, "after", None)
        names = [name_of(item) for item in out]
        if after is None:
            out.append(plugin.obj)
            continue
        if after not in names:
            log.warning("%s: after = %r names no rung (rungs: %s); placed at the end", plugin.describe(), after,
                        ", ".join(names))
            out.append(plugin.obj)
            continue
        at = names.index(after) + 1
        while at < len(out) and getattr(out[at], "after", None) == after:
            at += 1  # behind rungs already placed after the same one
        out.insert(at, plugin.obj)
    return out


def _load(group: str, builtins: dict[str, str] | None, normalize: Callable[[str], str]) -> dict[str, Plugin]:
    found = list(entry_points(group=GROUP_PREFIX + group))
    own = {ep.name: ep for ep in found if _is_builtin(ep)}
    if builtins is None:  # no table in code for this group: the metadata is all there is
        declared = [own[name] for name in sorted(own)]
    elif {name: ep.value for name, ep in own.items()} == builtins:
        declared = [own[name] for name in builtins]  # the table's order, not the metadata's
    else:
        # Metadata from another version of the code, or none (a source checkout on
        # PYTHONPATH): the code's own table is the truth about its built-ins.
        log.debug("taskladder.%s entry points do not match the code; using the built-in table", group)
        declared = [EntryPoint(name=name, value=target, group=GROUP_PREFIX + group)
                    for name, target in builtins.items()]
    out: dict[str, Plugin] = {}
    for ep in declared:
        _add(out, group, ep, BUILTIN_DISTRIBUTION, normalize)
    others = sorted((ep for ep in found if not _is_builtin(ep)), key=lambda ep: (_dist(ep).lower(), ep.name))
    for ep in others:
        _add(out, group, ep, _dist(ep), normalize)
    return out


def _add(out: dict[str, Plugin], group: str, ep: EntryPoint, dist: str, normalize: Callable[[str], str]) -> None:
    what = f"plugin {group} '{ep.name}' ({ep.value}) from {dist}"
    if not _NAME.fullmatch(ep.name):
        log.warning("%s skipped: a name must be letters, digits, '.', '_' or '-'", what)
        return
    key = normalize(ep.name)
    if key in out:
        log.warning("%s skipped: '%s' is already registered by %s", what, key, out[key].distribution)
        return
    try:
        obj = ep.load()
    except (Exception, SystemExit) as exc:  # a broken plugin must not take the rest of taskladder down
        log.warning("%s skipped: it failed to load: %s", what, one_line(exc))
        return
    out[key] = Plugin(group=group, name=key, target=ep.value, distribution=dist, obj=obj)


def _is_builtin(ep: EntryPoint) -> bool:
    return _canonical(_dist(ep)) == BUILTIN_DISTRIBUTION


def _dist(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    name = dist.name if dist is not None else None
    return name or "an unknown distribution"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
