"""Child-side harness of the Python sandbox: ``python -I -S -B this_file`` with the payload on stdin.

Two of these run per verification, each in its own sandbox (see ``sandbox.py``):

- role ``solution`` runs the untrusted code, then answers calls: it reads requests
  (a function name and arguments, in the codec of ``_sandbox_codec.py``) on one pipe and
  writes the encoded return value (or the exception's type and message) on another;
- role ``tests`` runs the tests in a namespace of its own, where every function the
  solution defined is a proxy that makes such a call and decodes the answer into plain
  builtin data; comparisons therefore run in this process, on values the solution could
  not give a custom ``__eq__``. When the tests finish it writes ``passed`` to a pipe that
  only it and the parent hold: there is no secret in the solution's process to print.

Order matters: read the payload, set resource limits, install the audit hook, and only
then run code. The audit hook is defence in depth behind the OS layers (an unprivileged
user, read-only mounts, namespaces): it refuses network (except creating an AF_UNIX
socket, which asyncio needs for its self-pipe), new processes (fork, exec, spawn,
system, subprocess, and ``_posixsubprocess.fork_exec`` which forks without an audit
event), signals to other processes, raising resource limits, ``ctypes``, file access
outside the work directory except reading the standard library, symlinks and hard links.

Exit codes: 0 finished, 1 the code or its tests raised, 3 MemoryError, 4 a sandbox refusal.
"""

import json
import os
import resource
import sys
import traceback

_payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
_WORKDIR = os.path.realpath(_payload["workdir"])
_MB = 1024 * 1024
_MAX_MESSAGE = 256 * _MB


def _load_codec():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_sandbox_codec", _payload["codec"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_codec = _load_codec()


def _set_limits(p):
    def lim(which, soft, hard=None):
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass  # not supported here; the other layers still apply

    lim(resource.RLIMIT_CPU, int(p["cpu_s"]), int(p["cpu_s"]) + 1)
    lim(resource.RLIMIT_AS, int(p["memory_mb"]) * _MB)
    lim(resource.RLIMIT_FSIZE, int(p["output_mb"]) * _MB)
    lim(resource.RLIMIT_NPROC, int(p.get("nproc", 64)))  # per user: enforced now that the child is not root
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


def _refuse(event, args):
    try:
        os.write(2, f"[sandbox] blocked: {event} {args!r:.200}\n".encode("utf-8", "replace"))
    except OSError:
        pass  # stderr closed by the untrusted code: the refusal below still stops it
    raise SandboxViolation(f"sandbox refused {event}")


def _hook(event, args):
    # No re-entrancy flag: a flag is state the untrusted code could flip (it once could, via
    # ``sys.modules['__main__']._busy``); nothing below raises an audited event itself.
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
    """Print the traceback from the user's first frame on (the harness frames are noise)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def _finish(status):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - untrusted code may have replaced or broken the stream,
            pass  # and nothing is left to report to: the exit status below is the report
    os._exit(status)


def _run_guarded(fn):
    """Run ``fn``; map what it raises to the harness's exit codes (never returns on failure)."""
    try:
        return fn()
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


def _send(fh, message):
    fh.write((json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8"))
    fh.flush()


def _receive(fh):
    line = fh.readline(_MAX_MESSAGE)
    if not line.endswith(b"\n"):
        return None  # the other side ended (or sent more than a message may hold)
    return json.loads(line.decode("utf-8"))


def _manifest(ns):
    """What the tests may use from the solution: callables (as proxies), plain values, stdlib modules."""
    callables, values, modules = [], {}, {}
    for name, value in list(ns.items()):
        if name.startswith("__"):
            continue
        if type(value).__name__ == "module":
            modules[name] = getattr(value, "__name__", "")
        elif callable(value):
            callables.append(name)
        else:
            try:
                values[name] = _codec.encode(value)
            except (_codec.CodecError, ValueError, RecursionError):
                pass  # not plain data: the tests cannot use it
    return {"callables": callables, "values": values, "modules": modules}


def _serve_solution(ns, requests, replies):
    while True:
        try:
            req = _receive(requests)
        except (ValueError, OSError):
            return
        if not isinstance(req, dict) or req.get("op") != "call":
            return
        try:
            args = _codec.decode(req["args"])
            kwargs = _codec.decode(req["kwargs"])
            result = ns[req["name"]](*args, **kwargs)
            reply = {"ok": _codec.encode(result)}
        except (SystemExit, MemoryError, SandboxViolation):
            raise
        except BaseException as exc:  # noqa: BLE001 - the tests see the exception, as if in-process
            reply = {"error": [type(exc).__name__, str(exc)[:2000]]}
        _send(replies, reply)


def _solution_main():
    import linecache

    code = _payload.pop("code")
    linecache.cache["solution.py"] = (len(code), None, code.splitlines(True), "solution.py")
    requests = os.fdopen(_payload["fd_in"], "rb")
    replies = os.fdopen(_payload["fd_out"], "wb")
    _disarm_posixsubprocess()
    sys.argv = ["solution.py"]
    sys.addaudithook(_hook)
    ns = {"__name__": "solution", "__builtins__": __builtins__}
    _run_guarded(lambda: exec(compile(code, "solution.py", "exec"), ns))
    _run_guarded(lambda: _send(replies, {"ready": _manifest(ns)}))
    _run_guarded(lambda: _serve_solution(ns, requests, replies))
    _finish(0)


class _Remote:
    """Calls into the solution's process; answers are plain data or a raised exception."""

    def __init__(self, requests, replies):
        self.requests, self.replies = requests, replies

    def call(self, name, args, kwargs):
        try:
            message = {"op": "call", "name": name, "args": _codec.encode(list(args)),
                       "kwargs": _codec.encode(dict(kwargs))}
        except _codec.CodecError as exc:
            raise TypeError(f"cannot pass this argument to the solution's {name}(): {exc}") from None
        try:
            _send(self.requests, message)
            reply = _receive(self.replies)
        except (OSError, ValueError):
            reply = None
        if not isinstance(reply, dict):
            raise RuntimeError(f"the solution's process ended during a call to {name}()")
        if "ok" in reply and isinstance(reply["ok"], str):
            return _codec.decode(reply["ok"])
        err = reply.get("error")
        if isinstance(err, list) and len(err) == 2 and all(isinstance(x, str) for x in err):
            import builtins

            cls = getattr(builtins, err[0], None)
            if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == "builtins":
                raise cls(err[1])
            raise RuntimeError(f"{err[0]}: {err[1]}")
        raise RuntimeError(f"malformed answer from the solution's {name}()")


def _proxy(remote, name):
    def call(*args, **kwargs):
        return remote.call(name, args, kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _tests_main():
    import importlib
    import linecache

    tests = _payload.pop("tests")
    linecache.cache["tests.py"] = (len(tests), None, tests.splitlines(True), "tests.py")
    requests = os.fdopen(_payload["fd_out"], "wb")
    replies = os.fdopen(_payload["fd_in"], "rb")
    verdict = _payload["fd_verdict"]
    try:
        ready = _receive(replies)
    except (OSError, ValueError):
        ready = None
    manifest = ready.get("ready") if isinstance(ready, dict) else None
    if not isinstance(manifest, dict):
        sys.stderr.write("[sandbox] the solution did not finish running (it raised, exited or was stopped)\n")
        _finish(1)
    remote = _Remote(requests, replies)
    ns = {"__name__": "tests", "__builtins__": __builtins__}
    # Names come from the untrusted side: none may shadow a builtin the tests rely on
    # (a solution-defined ``all`` or ``len`` would answer the tests' own checks), and a
    # module is imported only under its own name and only from the standard library.
    import builtins

    def allowed(name):
        return isinstance(name, str) and name.isidentifier() and not hasattr(builtins, name)

    for name, module in dict(manifest.get("modules") or {}).items():
        if allowed(name) and isinstance(module, str) and module.split(".")[0] in sys.stdlib_module_names \
                and module.rsplit(".", 1)[-1] == name:
            try:
                ns[name] = importlib.import_module(module)
            except ImportError:
                pass
    for name, value in dict(manifest.get("values") or {}).items():
        if allowed(name) and isinstance(value, str):
            try:
                ns[name] = _codec.decode(value)
            except _codec.CodecError:
                pass
    for name in list(manifest.get("callables") or []):
        if allowed(name):
            ns[name] = _proxy(remote, name)
    _disarm_posixsubprocess()
    sys.argv = ["tests.py"]
    sys.addaudithook(_hook)
    _run_guarded(lambda: exec(compile(tests, "tests.py", "exec"), ns))
    try:
        _send(requests, {"op": "exit"})
    except OSError:
        pass  # the solution already ended; the tests passed without it
    os.write(verdict, b"passed\n")
    _finish(0)


if _payload["role"] == "solution":
    _solution_main()
else:
    _tests_main()
