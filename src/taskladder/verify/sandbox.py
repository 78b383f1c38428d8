"""Run generated Python against unit tests in sandboxed child processes.

Two children per run, each in its own sandbox (``isolation.py``: bubblewrap where it
works: an unprivileged user, read-only file system but for its scratch folder, no
network, no view of other processes), connected only by two pipes:

- the *solution* child runs the untrusted code, then answers calls to its functions;
- the *tests* child runs the tests in a namespace of its own, calling the solution's
  functions through proxies that receive plain data (``_sandbox_codec``), so every
  comparison runs in a process the untrusted code cannot reach, on values it cannot give
  a custom ``__eq__``; when the tests finish, the tests child writes ``passed`` on a pipe
  the solution does not hold. There is no secret for the untrusted code to print.

Further layers in each child: ``python -I -S -B`` (standard library only), an empty
environment, rlimits (CPU seconds, address space, file size, which bounds the captured
output, processes, open files, no core dumps), an audit hook (``_sandbox_child``), and a
wall-clock limit after which everything is killed. Without bwrap the result carries a
loud ``warning`` and the in-process layers do most of the work.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .isolation import launch_spec, prepare_scratch
from .result import VerifyResult

log = logging.getLogger(__name__)

_CHILD = Path(__file__).with_name("_sandbox_child.py")
_CODEC = Path(__file__).with_name("_sandbox_codec.py")
_MAX_CAPTURE = 64 * 1024

Status = Literal["passed", "failed", "timeout", "cpu_limit", "memory_limit", "output_limit", "blocked", "killed"]


class SandboxResult(BaseModel):
    passed: bool
    status: Status
    stdout: str
    stderr: str
    duration_s: float
    returncode: int | None = None
    network_namespace: bool = False  # whether the child had a network namespace of its own
    isolation: Literal["bwrap", "fallback"] = "bwrap"
    warning: str = ""  # set, loudly, when bwrap was not usable and the weaker fallback ran


def _read_capped(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_CAPTURE + 1)
    except OSError:
        return ""
    text = data[:_MAX_CAPTURE].decode("utf-8", "replace")
    return text + ("\n[output truncated]" if len(data) > _MAX_CAPTURE else "")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group has already exited (or its pid was reused): nothing left to kill


def _classify(rc: int | None, stderr: str) -> Status:
    """What one child's exit says; "passed" here only means it exited cleanly."""
    if rc == 0:
        return "passed"
    if rc in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in stderr:
        return "cpu_limit" if rc == -signal.SIGXCPU else "killed"
    if rc == -signal.SIGXFSZ or "File too large" in stderr:  # CPython ignores SIGXFSZ: EFBIG instead
        return "output_limit"
    if rc == 3 or "MemoryError" in stderr:
        return "memory_limit"
    if rc == 4 or "[sandbox] blocked:" in stderr:
        return "blocked"
    if rc is not None and rc < 0:
        return "killed"
    return "failed"


def _verdict(timed_out: bool, tests_passed: bool, solution: _Child, tests: _Child) -> Status:
    if timed_out:
        return "timeout"
    if tests_passed and solution.rc == 0 and tests.rc == 0:
        return "passed"
    for child in (solution, tests):  # the solution's own failure (a limit, a refusal) explains most
        status = _classify(child.rc, child.stderr)
        if status not in ("passed", "failed"):
            return status
    return "failed"


class _Child:
    """One sandboxed harness process: its scratch folder, captured output and exit status."""

    def __init__(self, base: Path, role: str):
        self.role = role
        self.scratch = base / role
        prepare_scratch(self.scratch)
        self.out_path, self.err_path = base / f"{role}.out", base / f"{role}.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self.rc: int | None = None
        self.via_bwrap = False
        self.stdout = self.stderr = ""

    def start(self, payload: dict[str, Any], pass_fds: tuple[int, ...], limits: dict[str, Any]) -> tuple[bool, str]:
        spec = launch_spec(self.scratch, _CHILD.parent)
        self.via_bwrap = not spec.warning
        inside = spec.workdir
        env = {"LC_ALL": "C.UTF-8", "HOME": inside, "TMPDIR": inside}
        body = json.dumps({**payload, **limits, "role": self.role, "workdir": inside,
                           "codec": f"{spec.harness}/{_CODEC.name}"})
        cmd = [*spec.argv, "-I", "-S", "-B", "-X", "utf8", f"{spec.harness}/{_CHILD.name}"]
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=out, stderr=err, env=env, start_new_session=True,
                close_fds=True, pass_fds=pass_fds, **spec.popen,
            )
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(body.encode("utf-8"))
            self.proc.stdin.close()
        except OSError:
            pass  # it died before reading: its exit status says why
        return spec.network_namespace, spec.warning

    def wait(self, deadline: float) -> bool:
        """Wait until ``deadline`` (perf_counter); False when it had to be killed for time."""
        assert self.proc is not None
        try:
            rc = self.proc.wait(timeout=max(0.0, deadline - time.perf_counter()))
            # bwrap reports a child killed by signal N as exit status 128 + N
            self.rc = -(rc - 128) if self.via_bwrap and rc > 128 else rc
            return True
        except subprocess.TimeoutExpired:
            self.kill()
            self.rc = self.proc.wait()
            return False

    def kill(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc.pid)

    def collect(self) -> None:
        self.stdout, self.stderr = _read_capped(self.out_path), _read_capped(self.err_path)


def _join(*parts: str) -> str:
    return "\n".join(p.rstrip("\n") for p in parts if p.strip())


def run_python(
    code: str, tests: str = "", *, timeout_s: float = 10.0, cpu_s: float | None = None, memory_mb: int = 512,
    output_mb: int = 8, network_namespace: bool = True,
) -> SandboxResult:
    """Run ``code`` in one sandbox and ``tests`` in another, calling into it; passed = the tests
    ran to the end and the code ran cleanly.

    ``tests`` is plain Python that raises on failure (asserts, or a ``check(fn)`` call); the
    functions ``code`` defines are callable from it, with arguments and results passed as
    plain data (None, bool, int, float, str, bytes, list, tuple, dict, set); its plain-data
    globals and standard-library imports are visible too. ``cpu_s`` defaults to
    ``timeout_s``. ``network_namespace`` is kept for compatibility: bwrap always isolates
    the network, and the fallback uses a namespace whenever the machine permits one.
    """
    del network_namespace  # the network is never reachable where the machine allows isolating it
    cpu_s = timeout_s if cpu_s is None else cpu_s
    limits = {"cpu_s": max(1, int(round(cpu_s))), "memory_mb": memory_mb, "output_mb": output_mb}
    base = Path(tempfile.mkdtemp(prefix="taskladder-sandbox-"))
    os.chmod(base, 0o711)  # the unprivileged child reaches its own folder, and lists none
    fds: list[int] = []
    timed_out, tests_passed = False, False
    start = time.perf_counter()
    try:
        solution, checker = _Child(base, "solution"), _Child(base, "tests")
        to_solution_r, to_solution_w = os.pipe()
        to_tests_r, to_tests_w = os.pipe()
        verdict_r, verdict_w = os.pipe()
        fds = [to_solution_r, to_solution_w, to_tests_r, to_tests_w, verdict_r, verdict_w]
        try:
            netns, warning = solution.start({"code": code, "fd_in": to_solution_r, "fd_out": to_tests_w},
                                            (to_solution_r, to_tests_w), limits)
            checker.start({"tests": tests, "fd_in": to_tests_r, "fd_out": to_solution_w, "fd_verdict": verdict_w},
                          (to_tests_r, to_solution_w, verdict_w), limits)
        finally:
            for fd in (to_solution_r, to_tests_w, to_tests_r, to_solution_w, verdict_w):
                os.close(fd)  # the children hold their ends; ours would keep EOF from arriving
                fds.remove(fd)
        deadline = start + timeout_s
        timed_out = not checker.wait(deadline)
        if timed_out:
            solution.kill()
            solution.wait(time.perf_counter())
        elif checker.rc == 0:
            timed_out = not solution.wait(deadline)  # it exits once the tests say so
        elif not solution.wait(min(deadline, time.perf_counter() + 2.0)):
            # The tests failed; the solution sees its request pipe close and exits by itself, so
            # its own status (a refusal, a limit) is read, not a kill of ours racing it.
            solution.rc = None
        solution.kill()  # anything it started dies with it
        checker.kill()
        duration = time.perf_counter() - start
        os.set_blocking(verdict_r, False)
        try:
            tests_passed = os.read(verdict_r, 64) == b"passed\n"
        except BlockingIOError:
            tests_passed = False
        solution.collect()
        checker.collect()
    finally:
        for fd in fds:
            os.close(fd)
        shutil.rmtree(base, ignore_errors=True)
    status = _verdict(timed_out, tests_passed, solution, checker)
    if warning:
        log.warning(warning)
    return SandboxResult(
        passed=status == "passed", status=status, stdout=_join(solution.stdout, checker.stdout),
        stderr=_join(solution.stderr, checker.stderr), duration_s=duration, returncode=solution.rc,
        network_namespace=netns, isolation="fallback" if warning else "bwrap", warning=warning,
    )


class PythonTestsVerifier:
    """A ``Verifier`` that runs each candidate program against fixed tests in the sandbox."""

    def __init__(self, tests: str, *, timeout_s: float = 10.0, memory_mb: int = 512):
        self.tests, self.timeout_s, self.memory_mb = tests, timeout_s, memory_mb

    def __call__(self, candidate: str):  # -> VerifyResult
        res = run_python(candidate, self.tests, timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        detail = "" if res.passed else f"{res.status}: {(res.stderr.strip().splitlines() or [''])[-1][:200]}"
        return VerifyResult(passed=res.passed, score=1.0 if res.passed else 0.0, detail=detail,
                            info={"status": res.status, "duration_s": res.duration_s})


def run_many(
    programs: Sequence[tuple[str, str]], *, workers: int = 2, timeout_s: float = 10.0, memory_mb: int = 512,
) -> list[SandboxResult]:
    """Run (code, tests) pairs with ``workers`` sandboxes at a time; results in input order.

    Threads suffice: each one only waits on its child process.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda p: run_python(p[0], p[1], timeout_s=timeout_s, memory_mb=memory_mb), programs))
