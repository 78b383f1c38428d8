"""The Python sandbox contains escape attempts; HumanEval solutions pass, broken ones fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from conftest import shared_path

from taskladder.verify import PythonTestsVerifier, humaneval_program, load_humaneval, run_many, run_python

SECRET = "TOP-SECRET-7f3a"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_passing_and_failing_code():
    ok = run_python("def add(a, b):\n    return a + b\n", "assert add(2, 3) == 5\nprint('checked')")
    assert ok.passed and ok.status == "passed" and ok.stdout == "checked"
    bad = run_python("def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5")
    assert not bad.passed and bad.status == "failed" and "AssertionError" in bad.stderr
    syntax = run_python("def add(a, b) return a", "")
    assert syntax.status == "failed" and "SyntaxError" in syntax.stderr


def test_reading_a_file_outside_its_directory_is_refused(secret_file):
    res = run_python(f"print(open({str(secret_file)!r}).read())")
    assert res.status == "blocked" and SECRET not in res.stdout + res.stderr
    caught = run_python(f"try:\n    print(open({str(secret_file)!r}).read())\nexcept OSError as e:\n    print('refused')")
    assert caught.stdout == "refused" and SECRET not in caught.stdout
    listing = run_python(f"import os\nprint(os.listdir({str(secret_file.parent)!r}))")
    assert listing.status == "blocked" and "secret.txt" not in listing.stdout


def test_writing_outside_is_refused_but_its_own_directory_works(tmp_path):
    target = tmp_path / "pwned.txt"
    res = run_python(f"open({str(target)!r}, 'w').write('x')")
    assert res.status == "blocked" and not target.exists()
    own = run_python("open('scratch.txt', 'w').write('hi')\nassert open('scratch.txt').read() == 'hi'")
    assert own.passed


def test_no_subprocess_shell_or_ctypes(secret_file):
    for code in (
        f"import subprocess\nprint(subprocess.run(['cat', {str(secret_file)!r}], capture_output=True).stdout)",
        "import os\nos.system('echo escaped')",
        "import os\nos.execv('/bin/sh', ['sh', '-c', 'echo escaped'])",
        "import _posixsubprocess\n_posixsubprocess.fork_exec()",
        "import ctypes\nctypes.CDLL(None).system(b'echo escaped')",
    ):
        res = run_python(code)
        assert res.status == "blocked", code
        assert SECRET not in res.stdout and "escaped" not in res.stdout


def test_fork_bomb_is_contained():
    start = time.perf_counter()
    res = run_python("import os\nwhile True:\n    os.fork()", timeout_s=5)
    assert res.status == "blocked" and time.perf_counter() - start < 5


def test_sockets_are_refused():
    res = run_python("import socket\ns = socket.socket()\ns.connect(('1.1.1.1', 80))")
    assert res.status == "blocked" and "socket" in res.stderr
    unix = run_python("import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/var/run/docker.sock')")
    assert unix.status == "blocked"


def test_network_namespace_layer_when_available():
    has_unshare = shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    res = run_python("pass")
    assert res.network_namespace == bool(has_unshare)


def test_infinite_loop_hits_the_wall_clock_and_cpu_limits():
    start = time.perf_counter()
    res = run_python("while True:\n    pass", timeout_s=1.5, cpu_s=30)
    assert res.status == "timeout" and time.perf_counter() - start < 5
    cpu = run_python("while True:\n    pass", timeout_s=15, cpu_s=1)
    assert cpu.status == "cpu_limit" and cpu.duration_s < 10
    sleeper = run_python("import time\ntime.sleep(60)", timeout_s=1)
    assert sleeper.status == "timeout"


def test_huge_allocation_hits_the_memory_limit():
    res = run_python("x = bytearray(8 * 1024 ** 3)", memory_mb=256)
    assert res.status == "memory_limit"
    res = run_python("x = [0] * (10 ** 9)", memory_mb=256)
    assert res.status == "memory_limit"


def test_environment_secrets_are_absent(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    res = run_python("import os\nprint(sorted(os.environ))\nassert 'OPENAI_API_KEY' not in os.environ")
    assert res.passed and SECRET not in res.stdout


def test_killing_other_processes_and_flooding_output_are_stopped():
    res = run_python("import os\nos.kill(os.getppid(), 9)")
    assert res.status == "blocked"
    flood = run_python("while True:\n    print('x' * 100000)", output_mb=1)
    assert flood.status == "output_limit" and len(flood.stdout) < 100_000


def test_printing_a_pass_does_not_fake_one():
    res = run_python("import os, sys\nprint('passed')\nsys.stdout.flush()\nos._exit(0)")
    assert not res.passed and res.status == "failed"
    res = run_python("import sys\nsys.exit(0)", "assert False")
    assert not res.passed


def test_standard_library_and_asyncio_work():
    code = "import asyncio, math, json, re, collections, hashlib, itertools, heapq, fractions, tempfile\n"
    tests = "async def f():\n    return math.isqrt(49)\nassert asyncio.run(f()) == 7\nwith tempfile.TemporaryFile() as fh:\n    fh.write(b'x')\n"
    res = run_python(code, tests)
    assert res.passed, res.stderr


def test_verifier_wrapper():
    verify = PythonTestsVerifier("assert double(4) == 8")
    assert verify("def double(x):\n    return 2 * x").passed
    failed = verify("def double(x):\n    return x + 2")
    assert not failed.passed and failed.detail.startswith("failed") and failed.info["status"] == "failed"


def test_humaneval_canonical_solutions_pass_and_broken_ones_fail():
    problems = load_humaneval(shared_path("humaneval", "HumanEval.jsonl.gz"))
    assert len(problems) == 164
    results = run_many([humaneval_program(p) for p in problems], workers=2)
    failed = [p["task_id"] for p, r in zip(problems, results) if not r.passed]
    assert failed == []
    # broken: every 4th problem, alternately with an empty body and with the next problem's solution
    broken = []
    for k in range(0, 164, 4):
        body = "    return None\n" if k % 8 == 0 else problems[(k + 1) % 164]["canonical_solution"]
        broken.append(humaneval_program(problems[k], body))
    assert not any(r.passed for r in run_many(broken, workers=2))


# Attacks from issue 14: each must stay contained, and none may forge a pass.

def test_flipping_the_audit_hooks_busy_flag_does_not_switch_it_off(secret_file, tmp_path):
    off = "import sys\nsys.modules['__main__']._busy = True\n"
    target = tmp_path / "pwned.txt"
    for attack in (
        f"print(open({str(secret_file)!r}).read())",
        f"open({str(target)!r}, 'w').write('x')",
        "import os\nos.system('echo escaped')",
        "import subprocess\nprint(subprocess.run(['id'], capture_output=True).stdout)",
    ):
        res = run_python(off + attack, "")
        assert not res.passed and res.status == "blocked", attack
        assert SECRET not in res.stdout and "escaped" not in res.stdout
    assert not target.exists()


def test_untrusted_code_never_runs_as_root():
    from taskladder.verify.isolation import bwrap_works

    res = run_python("import os\nprint(os.getuid(), os.geteuid(), os.getgid())")
    assert res.passed and "0" not in res.stdout.split(), res
    if bwrap_works() or os.geteuid() == 0:
        assert res.stdout == "65534 65534 65534"


def test_printing_then_exiting_cleanly_forges_no_pass():
    for code in (
        "import os, sys\nprint('passed')\nsys.stdout.flush()\nos._exit(0)",
        "import os\ndef add(a, b):\n    print('passed')\n    os._exit(0)\n",
    ):
        res = run_python(code, "assert add(2, 3) == 5")
        assert not res.passed and res.status == "failed", code


def test_a_value_that_equals_everything_does_not_pass():
    for code in (
        "class Yes:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()\n",
        "class Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Yes(0)\n",
    ):
        res = run_python(code, "assert add(2, 3) == 5")
        assert not res.passed and res.status == "failed", code
        assert "cannot be compared" in res.stderr


def test_tests_run_in_a_namespace_the_solution_cannot_patch():
    code = ("import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
            "builtins.abs = lambda *a: 5\ndef add(a, b):\n    return 0\n")
    res = run_python(code, "assert abs(-2) == 2\nassert add(2, 3) == 5")
    assert not res.passed and "AssertionError" in res.stderr


def test_the_solution_cannot_shadow_the_tests_builtins_or_modules():
    code = ("import cmath as math\ndef all(*a):\n    return True\ndef len(*a):\n    return 3\n"
            "def add(a, b):\n    return [0]\n")
    res = run_python(code, "assert all([add(2, 3) == 5])\nassert len(add(2, 3)) == 3")
    assert not res.passed and "AssertionError" in res.stderr
    uses_math = run_python("import cmath as math\ndef f():\n    return 1.0\n", "assert math.fabs(f()) == 1.0")
    assert not uses_math.passed and "NameError" in uses_math.stderr


def test_plain_data_crosses_intact_and_exceptions_reach_the_tests():
    code = ("import math\nLIMIT = 3\ndef f(x):\n    if x < 0:\n        raise ValueError('negative')\n"
            "    return (x, [1.5, float('inf')], {'k': {1, 2}}, b'\\x00', None, True, 2 ** 100)\n")
    tests = ("assert f(1) == (1, [1.5, math.inf], {'k': {1, 2}}, b'\\x00', None, True, 2 ** 100)\n"
             "assert type(f(1)[0]) is int and LIMIT == 3\n"
             "try:\n    f(-1)\n    raise SystemExit(1)\nexcept ValueError as e:\n    assert 'negative' in str(e)\n")
    res = run_python(code, tests)
    assert res.passed, res.stderr


def test_bwrap_layer_is_used_or_the_result_warns():
    from taskladder.verify.isolation import bwrap_works

    res = run_python("pass")
    if bwrap_works():
        assert res.isolation == "bwrap" and res.warning == "" and res.network_namespace
    else:
        assert res.isolation == "fallback" and "WARNING" in res.warning


def test_the_os_layer_alone_blocks_writes_and_network(tmp_path):
    """Below the audit hook: the child's file system is read-only but for its scratch folder."""
    from taskladder.verify.isolation import bwrap_argv, bwrap_works, prepare_scratch

    if not bwrap_works():
        pytest.skip("bwrap is not usable on this machine")
    scratch = tmp_path / "scratch"
    prepare_scratch(scratch)
    tmp_path.chmod(0o711)
    script = ("id -u; touch /etc/pwned 2>/dev/null || echo ro-etc; touch /tmp/x 2>/dev/null || echo ro-tmp; "
              "touch /tmp/work/ok && echo scratch-ok; tail -n +3 /proc/net/dev | cut -d: -f1")
    res = subprocess.run([*bwrap_argv(scratch, tmp_path), "sh", "-c", script], capture_output=True, text=True, timeout=30)
    assert res.stdout.split() == ["65534", "ro-etc", "ro-tmp", "scratch-ok", "lo"], res.stderr


def test_fallback_without_bwrap_still_drops_root_and_warns(monkeypatch):
    from taskladder.verify import isolation

    monkeypatch.setattr(isolation, "bwrap_works", lambda: False)
    ok = run_python("import os\ndef add(a, b):\n    return a + b\nprint(os.getuid())", "assert add(2, 3) == 5")
    assert ok.passed and ok.isolation == "fallback" and "WARNING" in ok.warning and "bwrap" in ok.warning
    if os.geteuid() == 0:
        assert ok.stdout == "65534"  # root is dropped even without bwrap
    forged = run_python("class Yes:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()\n",
                        "assert add(2, 3) == 5")
    assert not forged.passed
