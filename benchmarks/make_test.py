"""``make_test_s``: `make test` on a fresh clone of this repository's committed HEAD.

``python -m benchmarks.make_test`` (or `make bench-test`) clones HEAD into a temporary folder,
runs `make setup` there (its own virtual environment; timed apart, as ``make_setup_s``), then
times `make test` (wall and, for the test processes, CPU seconds) and writes
``benchmarks/make_test.json``, which `make bench` adds to its table. Separate from `make bench`
because it takes minutes and builds a second environment.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULT = HERE / "make_test.json"


def _timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and children's CPU seconds of a command that must succeed."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = kids.ru_utime + kids.ru_stime
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, kids.ru_utime + kids.ru_stime - cpu0


def main() -> None:
    """Clone, set up, time `make test`, write benchmarks/make_test.json."""
    with tempfile.TemporaryDirectory(prefix="bench-make-test-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        setup_s, _ = _timed(["make", "setup"], clone)
        load = os.getloadavg()[0]
        test_s, test_cpu_s = _timed(["make", "test"], clone)
    figures = {
        "make_test_s": test_s,
        "make_test_cpu_s": test_cpu_s,
        "make_setup_s": setup_s,
        "make_test_load_average": load,
    }
    RESULT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
