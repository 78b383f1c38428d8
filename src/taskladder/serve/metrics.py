"""Prometheus metrics for one app, in its own registry (no process-global state).

Two apps in one process (tests, or two models served side by side) keep separate counts.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE  # noqa: F401  (re-exported)
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("taskladder_requests", "HTTP requests by endpoint and status.",
                                ["endpoint", "status"], registry=self.registry)
        self.decisions = Counter("taskladder_guard_decisions", "Guard decisions by stage and kind.",
                                 ["stage", "decision"], registry=self.registry)
        self.latency = Histogram("taskladder_request_latency_seconds", "Chat completion latency.",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("taskladder_in_flight", "Chat completions being answered now.",
                               registry=self.registry)
        self.tokens = Counter("taskladder_tokens", "Tokens by direction.", ["kind"], registry=self.registry)
        self.cache_hits = Counter("taskladder_cache_hits", "Completions served from the call cache.",
                                  registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
