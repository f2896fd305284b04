"""The ``logistics-sim`` command line: a thin Typer app; the work happens in the library.

Exit codes (DESIGN.md §3): 0 done, 1 internal failure (one line), 2 bad scenario input (one
line per problem), 3 infeasible burden-sharing plan (explained).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from logistics_sim.errors import ScenarioError
from logistics_sim.loading import load_scenario
from logistics_sim.scenario import Scenario

app = typer.Typer(
    name="logistics-sim",
    help="Coalition logistics: deploy, rotate, sustain and reinforce a force; share the burden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3

F = TypeVar("F", bound=Callable[..., Any])
DEBUG = {"on": False}


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Coalition logistics analysis."""
    DEBUG["on"] = debug


def guarded(func: F) -> F:
    """Turn scenario problems into exit 2 and any other failure into a one-line exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if DEBUG["on"]:
                raise
            typer.echo(f"error: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def load_all(files: list[Path], *, strict: bool = False) -> list[Scenario]:
    """Load every file, reporting the problems of all of them before failing."""
    scenarios, problems = [], []
    for file in files:
        try:
            scenarios.append(load_scenario(file, strict=strict))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


@app.command()
@guarded
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (unsourced figures) as errors.")
    ] = False,
) -> None:
    """Check scenario files: schema and cross-field rules, all problems at once."""
    for file, scenario in zip(files, load_all(files, strict=strict), strict=True):
        typer.echo(f"{file}: ok ({scenario.name})")


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    json.dump(Scenario.model_json_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
