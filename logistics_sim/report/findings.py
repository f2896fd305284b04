"""Pure analysis of a run for the report: run data in, plain records and values out.

Nothing here writes HTML or Markdown; the section writers turn these findings into sentences,
tables and figures."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel

from logistics_sim.report.rundata import (
    RunData,
    source_keys,
)
from logistics_sim.rules.eligibility import eligible_nations
from logistics_sim.rules.shares import fair_shares as rules_fair_shares
from logistics_sim.rules.shares import key_description
from logistics_sim.scenario import (
    FairnessKey,
    Sourced,
)
from optimisation.result import AllocationResult, Status


@dataclass(frozen=True)
class Requirement:
    """Troops asked, troops the allocation deploys, and whether the requirement is infeasible."""

    asked_pax: int
    simulated_pax: int
    infeasible: bool
    status: str
    source: str


def requirement(run: RunData) -> Requirement:
    """What was asked and what was simulated, from the summary, allocation and optimiser status.

    The troops asked are the summary's ``asked_pax`` when the run records the requirement (the
    scenario stored is then the fielded force's), else the scenario's target.
    """
    asked = int(run.summary.get("asked_pax") or run.scenario.force.target_deployed_pax)
    alloc = run.allocation
    if "personnel_deployed" in alloc.columns:
        simulated = int(alloc["personnel_deployed"].sum())
    else:
        per_unit = {c.id: c.personnel_per_unit_pax for c in run.scenario.force.capabilities}
        simulated = int(
            sum(
                per_unit.get(c, 0) * u
                for c, u in zip(alloc["capability"], alloc["units"], strict=True)
            )
        )
    opt = run.optimisation
    status = optimiser_status(opt)
    infeasible = opt is not None and opt.status is Status.infeasible
    source = str(run.manifest.get("allocation_source", "not recorded"))
    return Requirement(asked, simulated, infeasible, status, source)


def optimiser_status(opt: AllocationResult | None) -> str:
    """The optimiser's status in words; a solver limit reached says how far from proven."""
    if opt is None:
        return ""
    if opt.limit_reached and math.isfinite(opt.gap):
        return (
            f"{opt.status.value}, within {opt.gap:.1%} of the proven bound (solver limit reached)"
        )
    return opt.status.value


def busiest_node(run: RunData) -> tuple[str, float, float] | None:
    """(node, mean utilisation after warm-up, mean of each replication's peak day) or None."""
    nodes = run.reduced.nodes
    warm = run.scenario.experiment.warmup_days
    rows = nodes[(nodes["day"] >= warm) & nodes["utilisation"].notna()]
    if rows.empty:
        return None
    mean = rows.groupby("node")["utilisation"].mean()
    peak = rows.groupby(["node", "replication"])["utilisation"].max().groupby("node").mean()
    node = str(mean.sort_values(ascending=False, kind="stable").index[0])
    return node, float(mean[node]), float(peak[node])


def supply_ranking(run: RunData) -> pd.DataFrame:
    """Sector × class after warm-up: mean and lowest days of supply, shortfall days (rep means)."""
    sup = run.reduced.supply
    warm = run.scenario.experiment.warmup_days
    rows = sup[sup["day"] >= warm]
    if rows.empty or rows["days_of_supply"].notna().sum() == 0:
        return pd.DataFrame()
    per_rep = rows.groupby(["sector", "supply_class", "replication"]).agg(
        mean_dos=("days_of_supply", "mean"),
        min_dos=("days_of_supply", "min"),
        short_days=("shortfall_t", lambda s: float((s.fillna(0) > 0).sum())),
    )
    out = per_rep.groupby(["sector", "supply_class"]).mean().reset_index()
    return out.sort_values(["min_dos", "mean_dos", "sector", "supply_class"], kind="stable")


def reinforcement_windows(run: RunData) -> pd.DataFrame:
    """Per replication and sector: trigger day and closure days (NaN if never closed)."""
    whole = run.reduced.whole_run
    trig = whole[whole["metric"] == "reinforcement_trigger_day"][["replication", "sector", "value"]]
    clos = whole[whole["metric"] == "reinforcement_closure_days"][
        ["replication", "sector", "value"]
    ]
    return trig.rename(columns={"value": "trigger"}).merge(
        clos.rename(columns={"value": "closure"}), on=["replication", "sector"], how="left"
    )


def slowest_leg(run: RunData) -> tuple[str, float] | None:
    """The node with the longest mean wait while reinforcements moved (trigger to closure)."""
    windows = reinforcement_windows(run)
    nodes = run.reduced.nodes
    if windows.empty or nodes.empty or nodes["wait_days"].notna().sum() == 0:
        return None
    parts = []
    horizon = run.scenario.horizon_days
    for w in windows.to_dict("records"):
        trigger, closure = float(w["trigger"]), float(w["closure"])
        if math.isnan(trigger) or trigger >= horizon:
            continue
        end = trigger + closure if not math.isnan(closure) else float(horizon)
        rows = nodes[
            (nodes["replication"] == w["replication"])
            & (nodes["day"] >= math.floor(trigger))
            & (nodes["day"] <= end)
        ]
        parts.append(rows[["node", "wait_days"]])
    if not parts:
        return None
    waits = pd.concat(parts).dropna().groupby("node")["wait_days"].mean()
    if waits.empty or waits.max() <= 0:
        return None
    node = str(waits.sort_values(ascending=False, kind="stable").index[0])
    return node, float(waits[node])


@dataclass(frozen=True)
class FairShares:
    """Eligible nations' fair shares (0..1) of the deployed force, and the key in words."""

    shares: dict[str, float]
    key_label: str


def fair_shares(run: RunData) -> FairShares:
    """The optimiser's fair shares as optimisation.json records them, else the scenario rule's.

    Without an optimiser result (an allocation from a file) the shares follow the same rule
    the optimiser uses (``logistics_sim.rules.shares``) over the eligible nations.
    """
    scenario = run.scenario
    opt = run.optimisation
    if opt is not None and opt.burden:
        shares = {b.nation: b.fair_share for b in opt.burden if b.eligible}
        key = FairnessKey(opt.key) if opt.key in FairnessKey.__members__ else None
        label = key_description(scenario, key) if key else opt.key
        return FairShares(shares, f"{label} (fair shares as computed by the optimiser)")
    codes = [n.code for n in eligible_nations(scenario)]
    return FairShares(rules_fair_shares(scenario, codes), key_description(scenario))


def _label(item: BaseModel) -> str:
    """A readable name of a list item: its id, code or name."""
    for attr in ("id", "code", "name", "target"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return ""


def walk_sourced(model: BaseModel, path: str = "") -> Iterable[tuple[str, Sourced]]:
    """Every Sourced block of a scenario with its dotted path, depth first in field order."""
    if isinstance(model, Sourced):
        yield path or "scenario", model
    for name in type(model).model_fields:
        value = getattr(model, name)
        sub = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            yield from walk_sourced(value, sub)
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk_sourced(item, f"{sub}[{_label(item) or i}]")


def estimate_flags(data_rows: Mapping[str, bool]) -> Any:
    """A function: source field → 'estimate' / 'sourced' / 'assumption' in words."""

    def flag(source: str | None, assumption: str | None) -> str:
        keys = source_keys(source)
        if not keys:
            return "assumption" if assumption else "unsourced"
        flagged = [
            k for k in keys if k.startswith("ASSUMP_") or k == "DERIVED" or data_rows.get(k, False)
        ]
        if flagged and len(flagged) == len(keys):
            return "estimate"
        if flagged or assumption:
            return "partly estimated"
        return "sourced"

    return flag


# -- logistics realism (issue 17): closure components, fleets, crossings, the busiest resource --

#: Closure components in the order the report lists them, with the words it uses for each.
CLOSURE_COMPONENT_WORDS: tuple[tuple[str, str], ...] = (
    ("notice", "notice to move"),
    ("movement", "movement (planned travel)"),
    ("queue", "queues and delays on the way"),
)


@dataclass(frozen=True)
class ClosureDecomposition:
    """Mean days of each closure component over the replications that closed, and the decider.

    ``deciding`` is the largest of notice, movement and queues (warning is a credit, not a
    delay); ``units_short`` the mean units per run that no source could provide.
    """

    warning_days: float
    components: tuple[tuple[str, float], ...]
    deciding: str | None
    units_short: float


def closure_decomposition(metrics: Mapping[str, Mapping[str, Any]]) -> ClosureDecomposition:
    """The slowest plan's closure as warning, notice, movement and queues (summary means)."""

    def mean(name: str) -> float:
        value = metrics.get(name, {}).get("mean")
        return math.nan if value is None else float(value)

    parts = tuple(
        (words, mean(f"reinforcement_{key}_days")) for key, words in CLOSURE_COMPONENT_WORDS
    )
    known = [(days, words) for words, days in parts if not math.isnan(days)]
    deciding = max(known)[1] if known else None
    return ClosureDecomposition(
        mean("reinforcement_warning_days"), parts, deciding, mean("reinforcement_units_short")
    )


def per_entity(metrics: Mapping[str, Mapping[str, Any]], prefix: str) -> dict[str, Mapping]:
    """The summary entries of one per-entity family (``<prefix>:<id>``), by entity id."""
    head = prefix + ":"
    return {name[len(head) :]: e for name, e in metrics.items() if name.startswith(head)}


@dataclass(frozen=True)
class Resource:
    """A resource's load: its kind (node, fleet, crossing), id, share busy and why it binds."""

    kind: str
    id: str
    share: float
    why: str


#: Per-entity summary metrics that measure a resource's load: kind, metric prefix, why it binds.
RESOURCE_FAMILIES: tuple[tuple[str, str, str], ...] = (
    (
        "fleet",
        "fleet_utilisation",
        "its vehicles are on the road or rails, loading or unloading that share of the time: "
        "more demand waits for a free vehicle",
    ),
    (
        "crossing",
        "crossing_throughput_share",
        "its supply tonnes per day against the capacity cited for it",
    ),
)


def busiest_resources(run: RunData) -> list[Resource]:
    """Every fleet's and crossing's load and the busiest node's, busiest first.

    A fleet's share is its mean utilisation; a node's its mean server utilisation; a
    crossing's its supply tonnes over its cited capacity.
    """
    metrics = run.summary.get("metrics", {})
    out = [
        Resource(kind, entity, float(entry["mean"]), why)
        for kind, prefix, why in RESOURCE_FAMILIES
        for entity, entry in per_entity(metrics, prefix).items()
    ]
    busy = busiest_node(run)
    if busy is not None:
        node, mean_share, _ = busy
        out.append(
            Resource(
                "node",
                node,
                mean_share,
                "its handling servers (tracks, gates, stands) are busy that share of the time",
            )
        )
    return sorted(
        (r for r in out if not math.isnan(r.share)), key=lambda r: (-r.share, r.kind, r.id)
    )


#: Above this share a transport resource has no headroom (the scenarios' node criterion).
NO_HEADROOM_SHARE = 0.85


@dataclass(frozen=True)
class PolicyFinding:
    """Whether the stock policy rather than capacity fails the days-of-supply criterion.

    ``suggested_reorder_days`` and ``suggested_order_up_to_days`` raise both levels by the
    shortfall of the lowest stock against the criterion: a first guess to test with a sweep,
    not a computed optimum.
    """

    criterion: str
    threshold: float
    lowest_days: float
    busiest: Resource | None
    policy_binds: bool
    suggested_reorder_days: float
    suggested_order_up_to_days: float


def stock_policy_finding(run: RunData) -> PolicyFinding | None:
    """The days-of-supply criterion that failed or is at risk, and whether the policy decides it.

    The policy decides it when no fleet, crossing or node is busier than NO_HEADROOM_SHARE:
    transport had room to bring more, the depots did not ask for it in time.
    """
    criterion = next(
        (
            c
            for c in run.summary.get("criteria", [])
            if c.get("metric") == "min_days_of_supply" and c.get("verdict") != "PASS"
        ),
        None,
    )
    if criterion is None:
        return None
    lowest = criterion.get("mean")
    if lowest is None or math.isnan(float(lowest)):
        return None
    resources = busiest_resources(run)
    busiest = resources[0] if resources else None
    binds = busiest is None or busiest.share < NO_HEADROOM_SHARE
    policy = run.scenario.sustainment.stock_policy
    raise_days = max(0.0, float(criterion["threshold"]) - float(lowest))
    return PolicyFinding(
        str(criterion.get("name", "min_days_of_supply")),
        float(criterion["threshold"]),
        float(lowest),
        busiest,
        binds,
        policy.reorder_point_days + raise_days,
        policy.order_up_to_days + raise_days,
    )
