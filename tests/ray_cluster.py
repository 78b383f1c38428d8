"""One real local Ray cluster for the tests that need one: a head and one worker node, both on
this machine's loopback, started once per test session (``ray_cluster`` in conftest.py) because
starting one costs seconds. ``Cluster`` stops exactly the processes it started.

Each node offers one CPU, so "both nodes did work" is something a test can see, and the
object store is small, so the two nodes fit beside the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

NODE = {"num_cpus": 1, "object_store_memory": 100 * 1024**2}


@contextmanager
def local_cluster() -> Iterator[str]:
    """The address of a head + one worker node, up for the ``with`` block."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, connect=False, head_node_args={**NODE, "include_dashboard": False})
    try:
        cluster.add_node(**NODE)
        cluster.wait_for_nodes()
        yield cluster.address
    finally:
        cluster.shutdown()
