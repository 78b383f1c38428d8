"""Run a ``LoopbackServer`` in the foreground, for manual tries and benchmarks.

    python -m taskladder.testing.loopback --port 8765 --latency-ms 100

The first line on stdout is the base URL (``http://127.0.0.1:PORT/v1``), so a parent process
can start it with ``--port 0`` and read where it listens (``LoopbackProcess`` does).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from ._server import LoopbackServer
from .faults import FAULT_KINDS, FaultPlan

log = logging.getLogger("taskladder.testing.loopback")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m taskladder.testing.loopback", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    p.add_argument("--fault-rate", type=float, default=0.0, help="probability that a request fails")
    p.add_argument("--fault-kinds", default="429,500", help=f"comma-separated, from {','.join(FAULT_KINDS)}")
    p.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    p.add_argument("--retry-after-s", type=float, default=1.0, help="Retry-After of injected 429s")
    p.add_argument("--model", action="append", dest="models", help="model id to list (repeatable)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    faults = FaultPlan(
        rate=args.fault_rate, kinds=tuple(k for k in args.fault_kinds.split(",") if k),
        seed=args.seed, retry_after_s=args.retry_after_s,
    )
    server = LoopbackServer(latency_ms=args.latency_ms, faults=faults, port=args.port,
                            models=args.models or ("loopback",))
    with server:
        # The URL is this command's output (a parent reads it), so it goes to stdout.
        sys.stdout.write(server.base_url + "\n")
        sys.stdout.flush()
        log.info("loopback OpenAI-compatible server at %s (Ctrl-C to stop)", server.base_url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            log.info("stopping after %d requests", server.request_count)
    return 0


def _terminate_on_sigterm() -> None:
    # SIGTERM (LoopbackProcess.stop) should close sockets as cleanly as Ctrl-C does.

    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    _terminate_on_sigterm()
    sys.exit(main())
