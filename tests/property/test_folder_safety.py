"""Property: whatever the folder ``--out`` names holds, no file the tool did not write changes.

Hypothesis builds folder states (absent; a user's folder with files of any name, tool names
included; a finished run with the user's notes added, then damaged: a replication truncated or
copied over another, the manifest or the folder mark garbled, a replication removed, a
killed writer's temporary file) and runs ``simulate`` into it. The run may finish or be
refused, but every file the user wrote keeps its bytes at its path, and a damaged replication
file is never destroyed (it is set aside under ``replications/rejected/``).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics_sim import load_scenario
from logistics_sim import runfolder as rf
from logistics_sim.errors import ScenarioError
from logistics_sim.experiment import simulate, stand_in_allocation
from testsupport.replicates import fake_replicate

ROOT = Path(__file__).resolve().parents[2]

TINY = load_scenario(ROOT / "scenarios" / "tiny.yaml")
ALLOCATION = stand_in_allocation(TINY)

#: Names a user's folder may hold, the tool's own among them.
ANY_NAMES = (
    "summary.json",
    "manifest.json",
    "allocation.csv",
    "report.html",
    "report.md",
    "scenario.resolved.yaml",
    "replication_metrics.csv",
    ".lock",
    ".logistics-sim",
    "replications/rep-00000.parquet",
    "replications/rejected/rep-00000.parquet",
    "notes.txt",
    "data/nations.csv",
)
#: Names a user may add inside a run folder the tool made (none is a name the tool writes).
NOTE_NAMES = ("notes.txt", "data/nations.csv", "replications/my-notes.txt", "figures/mine.svg")
DAMAGE = ("truncate", "copy_over", "manifest", "mark", "drop", "temporary")

states = st.fixed_dictionaries(
    {
        "start": st.sampled_from(["absent", "user", "run"]),
        "files": st.dictionaries(st.sampled_from(ANY_NAMES), st.binary(max_size=40), max_size=4),
        "notes": st.dictionaries(st.sampled_from(NOTE_NAMES), st.binary(max_size=40), max_size=3),
        "damage": st.lists(st.sampled_from(DAMAGE), max_size=2, unique=True),
        "replications": st.integers(1, 4),
        "seed": st.sampled_from([11, 12]),
    }
)


def run(folder: Path, replications: int, seed: int) -> None:
    """simulate into ``folder``; a refusal is an acceptable outcome, any other error is not."""
    with contextlib.suppress(rf.RunFolderMismatch, ScenarioError):
        simulate(TINY, ALLOCATION, replications, seed, jobs=1, out=folder, replicate=fake_replicate)


def damage(folder: Path, kinds: list[str]) -> dict[str, bytes]:
    """Damage a finished run folder; the replication files altered, by path, with their bytes."""
    altered: dict[str, bytes] = {}
    rep0, rep1 = rf.replication_path(folder, 0), rf.replication_path(folder, 1)
    for kind in kinds:
        if kind == "truncate":
            rep0.write_bytes(rep0.read_bytes()[:50])
            altered[str(rep0.relative_to(folder))] = rep0.read_bytes()
        elif kind == "copy_over":
            shutil.copy(rep1, rep0)
            altered[str(rep0.relative_to(folder))] = rep0.read_bytes()
        elif kind == "manifest":
            (folder / rf.MANIFEST).write_text('{"base_seed": ')
        elif kind == "mark":
            (folder / rf.OWNER_MARK).write_text("garbled")
        elif kind == "drop":
            rep1.unlink()
            altered.pop(str(rep1.relative_to(folder)), None)
        elif kind == "temporary":
            (folder / rf.REPLICATIONS_DIR / ".rep-00009.parquet.abc.tmp").write_bytes(b"half")
    return altered


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """The user's files, folders made as needed."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def kept_somewhere(folder: Path, name: str, data: bytes) -> bool:
    """``data`` is still at ``name`` or was set aside under replications/rejected/."""
    path = folder / name
    if path.is_file() and path.read_bytes() == data:
        return True
    rejected = folder / rf.REPLICATIONS_DIR / rf.REJECTED_DIR
    return rejected.is_dir() and any(p.read_bytes() == data for p in rejected.iterdir())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(state=states)
def test_no_file_the_tool_did_not_write_is_changed(state: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        user: dict[str, bytes] = {}
        altered: dict[str, bytes] = {}
        if state["start"] == "user":
            folder.mkdir()
            write_files(folder, state["files"])
            user = dict(state["files"])
        elif state["start"] == "run":
            simulate(TINY, ALLOCATION, 2, 11, jobs=1, out=folder, replicate=fake_replicate)
            altered = damage(folder, state["damage"])
            write_files(folder, state["notes"])
            user = dict(state["notes"])
        run(folder, state["replications"], state["seed"])
        for name, data in user.items():
            assert (folder / name).read_bytes() == data, name
        for name, data in altered.items():
            assert kept_somewhere(folder, name, data), name
        if state["start"] == "user" and user:  # refused: nothing added either
            after = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
            assert after == set(user), "the tool wrote into a folder it did not create"
