"""The experiment layer: replications, seeds, executors, the run folder, resume, and sweeps.

One concept per module: ``replication`` (one replication as a worker runs it), ``executors``
(this process, a process pool or Dask), ``progress`` (the bar), ``allocation_choice`` (a given
allocation: a file or a stand-in), ``run`` (``simulate``, resume, the run folder), ``summary``
(summary.json, the precision target), ``setpath`` (``--set`` parsing) and ``sweeps``.
The names below are the layer's public API.
"""

from logistics_sim.experiment.allocation_choice import (
    AllocationChoice,
    AllocationFileError,
    allocation_from_csv,
    stand_in_allocation,
)
from logistics_sim.experiment.executors import (
    LOCAL_WORKER_CONFIG,
    Executor,
    execute,
    session,
    workers_can_start,
)
from logistics_sim.experiment.progress import Progress, progress_wanted
from logistics_sim.experiment.replication import (
    Outcome,
    ReplicateFn,
    ReplicationLike,
    default_replicate,
    run_and_store,
    seed_sequence,
)
from logistics_sim.experiment.run import ReplicationsFailed, RunResult, load_run, simulate
from logistics_sim.experiment.setpath import (
    SweepParameter,
    SweepSpecError,
    parse_set,
    parse_value,
    set_path,
    split_path,
)
from logistics_sim.experiment.summary import build_summary, more_replications
from logistics_sim.experiment.sweeps import (
    SweepResult,
    build_variant,
    design,
    sweep,
    sweep_table,
    variant_label,
)

__all__ = [
    "LOCAL_WORKER_CONFIG",
    "AllocationChoice",
    "AllocationFileError",
    "Executor",
    "Outcome",
    "Progress",
    "ReplicateFn",
    "ReplicationLike",
    "ReplicationsFailed",
    "RunResult",
    "SweepParameter",
    "SweepResult",
    "SweepSpecError",
    "allocation_from_csv",
    "build_summary",
    "build_variant",
    "default_replicate",
    "design",
    "execute",
    "load_run",
    "more_replications",
    "parse_set",
    "parse_value",
    "progress_wanted",
    "run_and_store",
    "seed_sequence",
    "session",
    "set_path",
    "simulate",
    "split_path",
    "stand_in_allocation",
    "sweep",
    "sweep_table",
    "variant_label",
    "workers_can_start",
]
