"""Child-side harness of the Python sandbox (run as ``python -I -S -B this_file PAYLOAD``).

Runs with the standard library only (-I -S: no environment variables, no user or site
packages). Order matters: read the payload, set resource limits, install the audit hook,
and only then run untrusted code, so nothing the user's code does happens before the hook.

The audit hook refuses: network (every ``socket.*`` event except creating an AF_UNIX
socket, which asyncio needs for its self-pipe; connecting or binding one is refused), new processes (fork, exec,
spawn, system, subprocess, and ``_posixsubprocess.fork_exec`` which forks without an
audit event: it is replaced before user code runs and a fresh import is refused), signals to other processes (``os.kill``: we may run as root), raising
resource limits, ``ctypes`` (it could undo anything), file access outside the work
directory except reading the standard library, symlinks and hard links. An audit hook
cannot be removed from Python code once installed. It is one layer: the parent adds a
network namespace (``unshare -n``) where it can, rlimits, a wall-clock kill of the whole
process group, and an empty environment.

Exit codes: 0 passed, 1 the code or its tests raised, 3 MemoryError, 4 a sandbox refusal
propagated. On success the last stdout line is the run's nonce, which the user's code
does not receive, so merely printing "passed" cannot fake a pass.
"""

import json
import os
import resource
import sys
import traceback

# Read the payload, then forget where it was: after the hook is on, it cannot be reopened.
with open(sys.argv[1], encoding="utf-8") as _fh:
    _payload = json.load(_fh)
_WORKDIR = os.path.realpath(_payload["workdir"])
_NONCE = _payload.pop("nonce")
_MB = 1024 * 1024


def _set_limits(p):
    def lim(which, soft, hard=None):
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass  # not supported here; the other layers still apply

    lim(resource.RLIMIT_CPU, int(p["cpu_s"]), int(p["cpu_s"]) + 1)
    lim(resource.RLIMIT_AS, int(p["memory_mb"]) * _MB)
    lim(resource.RLIMIT_FSIZE, int(p["output_mb"]) * _MB)
    lim(resource.RLIMIT_NPROC, 16)  # not enforced for root; the audit hook is what stops forks
    lim(resource.RLIMIT_NOFILE, 64)
    lim(resource.RLIMIT_CORE, 0)


_set_limits(_payload)
os.chdir(_WORKDIR)

_READ_ROOTS = tuple(
    {os.path.realpath(p) for p in sys.path if p and os.path.exists(p)} | {os.path.dirname(os.path.realpath(os.__file__))}
)
_READ_FILES = {"/dev/null", "/dev/urandom", "/dev/zero", os.path.realpath(__file__)}

_BLOCKED_PREFIXES = (
    "socket.", "subprocess.", "os.fork", "os.forkpty", "os.exec", "os.spawn", "os.posix_spawn", "os.system",
    "os.kill", "os.killpg", "os.symlink", "os.link", "ctypes.", "resource.setrlimit", "resource.prlimit",
    "pty.", "webbrowser.", "urllib.", "http.client.", "ftplib.", "smtplib.", "poplib.", "imaplib.", "nntplib.",
    "telnetlib.", "winreg.", "os.setxattr", "os.removexattr", "sys.remote_exec",
)
_BLOCKED_IMPORTS = {"_posixsubprocess", "ctypes", "_ctypes", "_testcapi", "_testinternalcapi", "_xxsubinterpreters"}
# events whose first (and for two-path events, second) argument is a path that gets written
_WRITE_EVENTS = {
    "os.mkdir", "os.rmdir", "os.remove", "os.truncate", "os.chmod", "os.chown", "os.utime", "os.chflags",
    "os.lchflags", "shutil.rmtree", "shutil.chown", "tempfile.mkstemp", "tempfile.mkdtemp", "os.mkfifo",
    "os.mknod", "shutil.make_archive", "shutil.unpack_archive",
}
_TWO_PATH_WRITE = {"os.rename", "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move"}
_READ_EVENTS = {"os.listdir", "os.scandir", "os.listxattr", "os.getxattr", "glob.glob", "glob.glob/2"}
_AF_UNIX = 1  # socket.AF_UNIX on Linux and macOS, without importing socket here
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class SandboxViolation(PermissionError):
    pass


def _inside(path, roots):
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _real(path):
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    return os.path.realpath(os.path.join(os.getcwd(), path))


def _check_path(path, write):
    if path is None or isinstance(path, int):
        return True  # an already-open descriptor: opening it was checked
    real = _real(path)
    if _inside(real, (_WORKDIR,)):
        return True
    if write:
        return False
    if real in _READ_FILES:
        return True
    # reading: the standard library only, and never a directory (a directory descriptor
    # outside the work dir would make relative dir_fd paths escape)
    return _inside(real, _READ_ROOTS) and not os.path.isdir(real)


_busy = False


def _refuse(event, args):
    try:
        os.write(2, f"[sandbox] blocked: {event} {args!r:.200}\n".encode("utf-8", "replace"))
    except OSError:
        pass  # stderr closed by the untrusted code: the refusal below still stops it
    raise SandboxViolation(f"sandbox refused {event}")


def _hook(event, args):
    global _busy
    if _busy:
        return
    _busy = True
    try:
        if event == "socket.__new__" and len(args) > 1 and args[1] == _AF_UNIX:
            return  # local socket pairs (asyncio's self-pipe); connect/bind/sendto stay refused
        if event.startswith(_BLOCKED_PREFIXES):
            _refuse(event, args)
        if event == "import" and args and str(args[0]).split(".")[0] in _BLOCKED_IMPORTS:
            _refuse(event, args[:1])
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            write = bool(mode and any(ch in str(mode) for ch in "wax+")) or bool(isinstance(flags, int) and flags & _WRITE_FLAGS)
            if not _check_path(path, write):
                _refuse(event, (path, mode))
        elif event == "os.chdir":
            if isinstance(args[0], int) or not _inside(_real(args[0]), (_WORKDIR,)):
                _refuse(event, args)
        elif event in _WRITE_EVENTS:
            if args and not _check_path(args[0], True):
                _refuse(event, args[:1])
        elif event in _TWO_PATH_WRITE:
            if not _check_path(args[0], False) or not _check_path(args[1], True):
                _refuse(event, args[:2])
        elif event in _READ_EVENTS:
            target = args[0] if args and args[0] is not None else "."
            if event.startswith("glob."):
                target = os.path.dirname(str(target)) or "."
            if not isinstance(target, int) and not _inside(_real(target), (_WORKDIR, *_READ_ROOTS)):
                _refuse(event, args[:1])
    finally:
        _busy = False


def _disarm_posixsubprocess():
    """``_posixsubprocess.fork_exec`` forks without an audit event. Import it now (asyncio and
    others import ``subprocess``, which needs it) and replace the function; importing a
    fresh copy later is refused by the hook's import check."""
    import _posixsubprocess
    import subprocess  # noqa: F401 - binds the patched module

    def fork_exec(*_args, **_kwargs):
        _refuse("_posixsubprocess.fork_exec", ())

    _posixsubprocess.fork_exec = fork_exec


def _report(exc):
    """Print the traceback from the user's first frame on (the harness frame is noise)."""
    traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)


def _finish(status):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - untrusted code may have replaced or broken the stream,
            pass  # and nothing is left to report to: the exit status below is the report
    os._exit(status)


def _main():
    import linecache

    code, tests = _payload.pop("code"), _payload.pop("tests")
    # Sources go to linecache, not to files: tracebacks show lines, and the solution cannot
    # read the tests from the work directory.
    for name, src in (("solution.py", code), ("tests.py", tests)):
        linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    _disarm_posixsubprocess()
    sys.argv = ["solution.py"]
    sys.addaudithook(_hook)
    ns = {"__name__": "solution", "__builtins__": __builtins__}
    try:
        exec(compile(code, "solution.py", "exec"), ns)
        exec(compile(tests, "tests.py", "exec"), ns)
    except SystemExit as exc:  # leaving early is not passing
        sys.stderr.write(f"[sandbox] exit({exc.code!r}) called before the tests finished\n")
        _finish(1)
    except MemoryError:
        sys.stderr.write("MemoryError\n")
        _finish(3)
    except SandboxViolation as exc:
        _report(exc)
        _finish(4)
    except BaseException as exc:  # noqa: BLE001 - every failure of untrusted code is reported, not raised
        _report(exc)
        _finish(1)
    sys.stdout.write("\n" + _NONCE + "\n")
    _finish(0)


_main()
