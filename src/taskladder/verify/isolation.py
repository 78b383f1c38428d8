"""How a sandbox child is started: inside bubblewrap where it works, else the weaker fallback.

bubblewrap (``bwrap``, Debian package ``bubblewrap``) gives each child: an unprivileged
user (uid/gid 65534; when taskladder runs as root, bwrap builds the mounts without a user
namespace, which would map the child to the outside root, and ``setpriv`` then drops the
child to the real uid 65534 with no capabilities), pid, network, IPC, UTS and cgroup
namespaces (plus a user namespace when not root) (no network interfaces, no other processes visible), a
read-only view of ``/`` with a private read-only ``/tmp`` whose only writable folder is
the child's own scratch folder mounted at ``/tmp/work`` (the interpreter and the
harness are mounted read-only under ``/tmp`` too), no capabilities, a new session
(no terminal injection), and death with its parent.

Without a working bwrap the fallback is: the unprivileged user when we are root
(``setpriv``), a network namespace when ``unshare -n`` is permitted, and the in-process
layers (rlimits, audit hook). Results then carry a warning saying so.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

NOBODY = 65534
SCRATCH_INSIDE = "/tmp/work"
FALLBACK_WARNING = (
    "WARNING: bubblewrap (bwrap) is not usable on this machine, so untrusted code ran with the weaker "
    "fallback isolation (unprivileged user when started as root, network namespace when permitted, "
    "rlimits, an in-process audit hook); install bubblewrap (apt-get install bubblewrap) for a real sandbox"
)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _drop_kwargs() -> dict[str, Any]:
    """Popen arguments that start the child as nobody when we are root (no preexec_fn: thread-safe)."""
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []} if _as_root() else {}


PYTHON_INSIDE = "/tmp/python"
HARNESS_INSIDE = "/tmp/harness"


def _python_home() -> tuple[str, str] | None:
    """(prefix, interpreter relative to it) when the interpreter lives under its prefix.

    The prefix is mounted at /tmp/python: it may sit where nobody may enter (pyenv under
    /root), and mounting it elsewhere makes it reachable without opening its parent."""
    exe, prefix = os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix)
    if exe.startswith(prefix + os.sep):
        return prefix, os.path.relpath(exe, prefix)
    return None


def interpreter_inside() -> str:
    home = _python_home()
    return f"{PYTHON_INSIDE}/{home[1]}" if home else os.path.realpath(sys.executable)


def bwrap_argv(scratch: Path, harness_dir: Path) -> list[str]:
    exe = shutil.which("bwrap") or "bwrap"
    if _as_root():
        # No user namespace (it would map the child to the outside root); bwrap keeps its
        # privileges only to build the mounts, then setpriv makes the child really nobody.
        spaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        drop = [shutil.which("setpriv") or "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        spaces = ["--unshare-all", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL"]
        drop = []
    home = _python_home()
    python = ["--ro-bind", home[0], PYTHON_INSIDE] if home else []
    return [
        exe, *spaces, "--die-with-parent", "--new-session",
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *python,
        "--ro-bind", str(harness_dir), HARNESS_INSIDE, "--bind", str(scratch), SCRATCH_INSIDE,
        "--remount-ro", "/tmp", "--chdir", SCRATCH_INSIDE, "--", *drop,
    ]


@lru_cache(maxsize=1)
def bwrap_works() -> bool:
    """Whether bwrap can start a sandbox here (user namespaces may be refused in containers)."""
    if not shutil.which("bwrap"):
        log.warning(FALLBACK_WARNING)
        return False
    if _as_root() and not shutil.which("setpriv"):
        log.warning("%s (setpriv, from util-linux, is missing: needed to drop root)", FALLBACK_WARNING)
        return False
    here = Path(__file__).parent  # any folders that exist: the probe writes nothing
    try:
        cmd = [*bwrap_argv(here, here), interpreter_inside(), "-I", "-S", "-c", "pass"]
        res = subprocess.run(cmd, capture_output=True, timeout=20)
        ok = res.returncode == 0
        why = res.stderr.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        ok, why = False, str(exc)
    if not ok:
        log.warning("%s (bwrap said: %s)", FALLBACK_WARNING, why[:300])
    return ok


@lru_cache(maxsize=1)
def _fallback_prefix() -> tuple[str, ...]:
    """``unshare -n`` (then ``setpriv`` down to nobody when root), where permitted."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    prefix: tuple[str, ...] = ()
    if unshare:
        try:
            if subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=10).returncode == 0:
                prefix = (unshare, "-n")
        except (OSError, subprocess.SubprocessError):
            pass
    if _as_root() and prefix and setpriv:
        prefix = (*prefix, setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    return prefix


class LaunchSpec(NamedTuple):
    argv: list[str]  # the command up to the harness's path
    harness: str  # the harness folder as the child sees it
    popen: dict[str, Any]  # extra Popen arguments
    workdir: str  # the scratch folder as the child sees it
    network_namespace: bool
    warning: str  # empty under bwrap


def launch_spec(scratch: Path, harness_dir: Path) -> LaunchSpec:
    if bwrap_works():
        return LaunchSpec([*bwrap_argv(scratch, harness_dir), interpreter_inside()], HARNESS_INSIDE, {},
                          SCRATCH_INSIDE, True, "")
    prefix = _fallback_prefix()
    kwargs = {} if any(p.endswith("setpriv") for p in prefix) else _drop_kwargs()
    return LaunchSpec([*prefix, sys.executable], str(harness_dir), {**kwargs, "cwd": str(scratch)}, str(scratch),
                      bool(prefix), FALLBACK_WARNING)


def prepare_scratch(path: Path) -> None:
    """Make ``path`` the child's own writable folder (owned by nobody when we are root)."""
    path.mkdir(mode=0o700)
    if _as_root():
        os.chown(path, NOBODY, NOBODY)
