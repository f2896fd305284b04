"""Run independent analysis points on the executors replications use (processes or Dask).

Each point (a scenario variant to re-solve) is a pure function of its arguments, so the
answers are the same in any order and on any executor; they come back in the order asked.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from logistics_sim.experiment import Executor, session, workers_can_start

T = TypeVar("T")


def map_points(
    fn: Callable[..., T], calls: Sequence[tuple[Any, ...]], executor: Executor
) -> list[T]:
    """``[fn(*args) for args in calls]`` on ``executor``, results in the order of ``calls``."""
    if not calls:
        return []
    if executor.dask:
        with session(executor) as active:
            client = __import__("distributed").Client(active.dask)
            try:
                futures = [client.submit(fn, *args, pure=False) for args in calls]
                return list(client.gather(futures))
            finally:
                client.close()
    if executor.jobs <= 1 or len(calls) == 1 or not workers_can_start():
        return [fn(*args) for args in calls]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=executor.jobs, mp_context=context) as pool:
        return list(pool.map(fn, *zip(*calls, strict=True)))
