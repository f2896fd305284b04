"""The report's sections as plain data (numbers, sentences, tables, SVG figures) from a run.

Why a separate layer: both templates (HTML and Markdown) render the same context, so the two
reports always carry the same sections and figures; and every sentence is built here from the
run folder's figures, never typed into a template with a number in it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from logistics_sim.report import figures
from logistics_sim.report.rundata import (
    RunData,
    band,
    is_nan,
    read_csv_rows,
    read_sources,
    source_keys,
)
from logistics_sim.scenario import (
    Dist,
    ExponentialDist,
    FairnessKey,
    FixedDist,
    LognormalDist,
    Nation,
    Scenario,
    Sourced,
    TriangularDist,
    UniformDist,
)

#: Section ids and titles, in the order of issue 8; both templates follow it.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "Verdict"),
    ("binds", "What binds"),
    ("burden", "Burden sharing"),
    ("strength", "Deployed strength over time"),
    ("supply", "Days of supply by sector and class"),
    ("nodes", "Node utilisation"),
    ("reinforcement", "Reinforcement closure"),
    ("sensitivity", "Sensitivity"),
    ("assumptions", "Assumptions and sources"),
    ("limitations", "Limitations"),
    ("annex", "Annex: simulation study report (STRESS-DES)"),
    ("provenance", "Provenance"),
)
VERDICT_WORDS = {"FEASIBLE": "FEASIBLE", "AT_RISK": "AT RISK", "INFEASIBLE": "INFEASIBLE"}
PERIOD_DAYS = 7
HEATMAP_NODES = 12
SUPPLY_ROWS = 8  # sector/class rows shown before the full table folds away


@dataclass
class Figure:
    """One chart: a file name, its SVG bytes and the sentence a reader needs instead of it."""

    name: str
    svg: bytes
    alt: str


@dataclass
class Table:
    """A table: header cells and rows of already-formatted cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One section: paragraphs, bullet lists, tables and figures, in that order."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    details: list[tuple[str, Table]] = field(default_factory=list)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)  # headed lists, first


# ---------------------------------------------------------------------------------------------
# Formatting.
# ---------------------------------------------------------------------------------------------


def num(value: Any, digits: int = 3) -> str:
    """A number for a reader: thousands separated, few significant digits, '—' when undefined."""
    if is_nan(value):
        return "—"
    v = float(value)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if v == int(v) and abs(v) < 100:
        return f"{int(v)}"
    return f"{v:.{digits}g}"


def pct(value: Any) -> str:
    """A share as a percentage."""
    return "—" if is_nan(value) else f"{100 * float(value):.0f}%"


def interval(entry: Mapping[str, Any], digits: int = 3) -> str:
    """'mean [low, high]' for a summary entry (``digits`` significant digits below 100)."""
    mean, low, high = (num(entry.get(k), digits) for k in ("mean", "ci_low", "ci_high"))
    return f"{mean} [{low}, {high}]"


def pct_interval(entry: Mapping[str, Any]) -> str:
    """'mean% (low–high%)' for a share's summary entry, '—' when undefined."""
    if is_nan(entry.get("mean")):
        return "—"
    if is_nan(entry.get("ci_low")) or is_nan(entry.get("ci_high")):
        return pct(entry.get("mean"))
    return f"{pct(entry.get('mean'))} ({pct(entry.get('ci_low'))}–{pct(entry.get('ci_high'))})"


def dist_text(dist: Any) -> str:
    """A distribution in words."""
    if isinstance(dist, FixedDist):
        return num(dist.value)
    if isinstance(dist, ExponentialDist):
        return f"exponential, mean {num(dist.mean)}"
    if isinstance(dist, LognormalDist):
        return f"lognormal, mean {num(dist.mean)}, cv {num(dist.cv)}"
    if isinstance(dist, TriangularDist):
        return f"triangular {num(dist.low)}/{num(dist.mode)}/{num(dist.high)}"
    if isinstance(dist, UniformDist):
        return f"uniform {num(dist.low)}–{num(dist.high)}"
    return str(dist)


# ---------------------------------------------------------------------------------------------
# The requirement and the force simulated.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """Troops asked, troops the allocation deploys, and whether the requirement is infeasible."""

    asked_pax: int
    simulated_pax: int
    infeasible: bool
    status: str
    source: str


def requirement(run: RunData) -> Requirement:
    """What was asked and what was simulated, from the scenario, allocation and optimiser status."""
    asked = int(run.scenario.force.target_deployed_pax)
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
    status = str((run.optimisation or {}).get("status", ""))
    infeasible = "infeasible" in status.lower()
    source = str(run.manifest.get("allocation_source", "not recorded"))
    return Requirement(asked, simulated, infeasible, status, source)


def headline(run: RunData, req: Requirement) -> tuple[str, list[str]]:
    """The banner verdict and the first lines under it (asked vs simulated force)."""
    simulated_verdict = str(run.summary.get("verdict", "AT_RISK"))
    lines = []
    if req.infeasible:
        verdict = "INFEASIBLE"
        lines.append(
            f"{req.asked_pax:,} troops were asked; the eligible nations cannot generate them "
            f"under their limits (optimiser status: {req.status}). This report simulates the "
            f"largest sustainable force instead: {req.simulated_pax:,} troops "
            f"({pct(req.simulated_pax / req.asked_pax)} of the {req.asked_pax:,} asked)."
        )
        lines.append(
            f"That smaller force was judged "
            f"{VERDICT_WORDS.get(simulated_verdict, simulated_verdict)} in simulation by the "
            "criteria below."
        )
    else:
        verdict = simulated_verdict
        lines.append(
            f"{req.asked_pax:,} troops asked; the allocation simulated deploys "
            f"{req.simulated_pax:,} troops"
            + (
                "."
                if req.simulated_pax >= req.asked_pax
                else f" ({pct(req.simulated_pax / req.asked_pax)} of the requirement)."
            )
        )
    lines.append(f"Allocation: {req.source}.")
    return verdict, lines


# ---------------------------------------------------------------------------------------------
# Sections.
# ---------------------------------------------------------------------------------------------


def verdict_section(run: RunData, req: Requirement) -> tuple[Section, str]:
    """Verdict banner lines and one row per criterion (mean, CI, threshold, verdict)."""
    verdict, lines = headline(run, req)
    sec = Section("verdict", "Verdict", paragraphs=lines)
    criteria = run.summary.get("criteria", [])
    n = run.summary.get("replications", 0)
    conf = float(run.summary.get("confidence", run.scenario.experiment.confidence))
    if criteria:
        sec.tables.append(
            Table(
                ["criterion", "judged", "mean", f"{conf:.0%} CI", "threshold", "unit"],
                [
                    [
                        str(c.get("name", c.get("metric", ""))),
                        VERDICT_WORDS.get(str(c.get("verdict")), str(c.get("verdict")))
                        if c.get("verdict") != "PASS"
                        else "PASS",
                        num(c.get("mean")),
                        f"{num(c.get('ci_low'))} to {num(c.get('ci_high'))}",
                        f"{c.get('comparison', '')} {num(c.get('threshold'))}",
                        str(c.get("unit", "")),
                    ]
                    for c in criteria
                ],
            )
        )
        sec.bullets = [str(c.get("explanation", "")) for c in criteria]
    else:
        sec.paragraphs.append("The scenario states no feasibility criteria, so nothing is judged.")
    sec.paragraphs.append(
        f"{n} replications; a criterion passes when its whole {conf:.0%} confidence interval "
        "meets the threshold, fails when the whole interval misses it, and is at risk otherwise; "
        "the overall verdict is the worst criterion."
    )
    return sec, verdict


#: Optimiser fields read as statements, in the order shown, with their headings.
OPTIMISER_FIELDS = (
    ("explanation", "Why the requirement cannot be met"),
    ("conflicting_limits", "Conflicting limits"),
    ("binding_limits", "Binding limits"),
    ("shortfall_by_capability", "Shortfall by capability (units)"),
    ("relaxations", "What would restore feasibility"),
)
_STATEMENT_WORDS = ("binding", "conflict", "shortfall", "relax", "diagnos", "explanation")


def _optimiser_statements(
    opt: Mapping[str, Any] | None, infeasible: bool
) -> list[tuple[str, list[str]]]:
    """The optimiser's limits and diagnoses as (heading, sentences), known fields first."""
    if not opt:
        return []
    titles = dict(OPTIMISER_FIELDS)
    if not infeasible:
        titles["explanation"] = "The optimiser's explanation"
    known = [k for k, _ in OPTIMISER_FIELDS if k in opt]
    other = sorted(
        k
        for k in opt
        if k not in titles
        and k not in _CONFLICT_SET_FIELDS
        and any(w in k.lower() for w in _STATEMENT_WORDS)
    )
    out = []
    for key in [*known, *other]:
        items = _flatten(opt[key])
        if items:
            out.append((titles.get(key, key.replace("_", " ").capitalize()), items))
    conflict = conflict_set_sentence(opt.get("conflict_set"), opt.get("conflict_set_minimal"))
    if conflict:
        out.append(("Limits that cannot all hold (conflict set)", [conflict]))
    return out


_CONFLICT_SET_FIELDS = frozenset({"conflict_set", "conflict_set_minimal"})
#: How each constraint family of the optimiser's conflict set reads, and what it lists.
_FAMILY_WORDS = {
    "capacity": "national capacity (rotation pool above the home-defence floor) of",
    "requirement": "the requirement for",
    "inventory": "the national inventory of",
    "willingness": "the willingness of",
    "personnel_cap": "the political cap on troops of",
    "personnel_min": "the minimum troop contribution of",
    "unit_cap": "the cap on units of",
    "unit_min": "the minimum units of",
}


def conflict_set_sentence(records: Any, minimal: Any) -> str:
    """The optimiser's conflict set in one sentence: each family with the nations or types."""
    if not isinstance(records, list) or not records:
        return ""
    grouped: dict[str, list[str]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            continue
        family = str(record.get("family", ""))
        names = [str(record[k]) for k in ("nation", "capability") if record.get(k)]
        grouped.setdefault(family, []).append(" ".join(names))
    parts = [
        f"{_FAMILY_WORDS.get(family, family.replace('_', ' ') + ' of')} {', '.join(names)}"
        for family, names in grouped.items()
    ]
    tail = (
        "; dropping any one of them would let the rest hold"
        if minimal is True
        else " (not proven to be the smallest such set)"
    )
    return "These limits cannot all hold together: " + "; ".join(parts) + tail + "."


def _flatten(value: Any) -> list[str]:
    """Strings from an optimiser field (a string, list of strings, or list/dict of records)."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        if all(not isinstance(v, Mapping | list) for v in value.values()):
            return ["; ".join(f"{k}: {v}" for k, v in value.items())]
        return [s for k in value for s in (f"{k} — {t}" for t in _flatten(value[k]))]
    if isinstance(value, list):
        return [s for v in value for s in _flatten(v)]
    return [str(value)]


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


def binds_section(run: RunData, req: Requirement) -> Section:
    """What binds: optimiser limits, busiest node, nearest stock-out, slowest reinforcement leg."""
    sec = Section("binds", "What binds")
    statements = _optimiser_statements(run.optimisation, req.infeasible)
    if statements:
        sec.paragraphs.append("The burden-sharing optimiser names these limits.")
        sec.lists.extend(statements)
    elif run.optimisation is None:
        sec.paragraphs.append(
            "No optimiser result is in this run folder (no optimisation.json), so no binding "
            f"national limit can be named; the allocation came from: {req.source}."
        )
    else:
        sec.paragraphs.append(
            f"The optimiser (status {req.status or 'not stated'}) reported no binding or "
            "conflicting limit."
        )
    names = {n.id: n.name for n in run.scenario.network.nodes}
    busy = busiest_node(run)
    if busy:
        node, mean, peak = busy
        sec.bullets.append(
            f"Busiest node: {names.get(node, node)} ({node}), busy {pct(mean)} of the time on "
            f"average after warm-up; its busiest day averaged {pct(peak)} over replications."
        )
    else:
        sec.bullets.append("Busiest node: no node utilisation was recorded in this run.")
    ranking = supply_ranking(run)
    if not ranking.empty:
        top = ranking.iloc[0]
        sec.bullets.append(
            f"Nearest a stock-out: sector {top['sector']}, class {top['supply_class']} — lowest "
            f"level {num(top['min_dos'])} days of supply (mean over replications of each run's "
            f"minimum), {num(top['short_days'])} days with a shortfall per run on average."
        )
    else:
        sec.bullets.append(
            "Nearest a stock-out: no stock levels were recorded (sustainment not modelled in "
            "this run), so no sector or class can be named."
        )
    leg = slowest_leg(run)
    closure = run.summary.get("metrics", {}).get("reinforcement_closure_days", {}).get("mean")
    if leg:
        node, wait = leg
        text = (
            f"Slowest reinforcement leg: {names.get(node, node)} ({node}), where movements waited "
            f"{num(wait)} days on average between the trigger and closure"
        )
        if not is_nan(closure) and wait < 0.1 * float(closure):
            text += (
                f"; queueing explains little of the {num(closure)}-day mean closure, so notice "
                "to move and travel time dominate"
            )
        sec.bullets.append(text + ".")
    elif run.scenario.reinforcement.plans:
        sec.bullets.append(
            "Slowest reinforcement leg: no queueing was recorded on the reinforcement route "
            "(no node waits between trigger and closure)."
        )
    else:
        sec.bullets.append("Slowest reinforcement leg: the scenario has no reinforcement plan.")
    if sec.lists:  # the optimiser's headed lists, then what the simulation shows
        sec.lists.append(("In the simulation", sec.bullets))
        sec.bullets = []
    return sec


def fair_shares(scenario: Scenario, codes: list[str]) -> tuple[dict[str, float], str]:
    """Each nation's fair share (0..1) of the deployed force by the scenario's key, and its name."""
    bs = scenario.burden_sharing
    attrs = {
        FairnessKey.gdp: "gdp_usd",
        FairnessKey.population: "population",
        FairnessKey.defence_spending: "defence_spending_usd",
        FairnessKey.national_income: "gdp_usd",
    }

    def shares(key: FairnessKey) -> dict[str, float]:
        values = {c: float(getattr(scenario.nation(c), attrs[key])) for c in codes}
        total = sum(values.values())
        return {c: v / total if total > 0 else 0.0 for c, v in values.items()}

    if bs.fairness_key is FairnessKey.mix and bs.key_weights:
        weights = {k: w for k, w in bs.key_weights.items() if k in attrs}
        wsum = sum(weights.values()) or 1.0
        parts = {k: shares(k) for k in weights}
        mixed = {c: sum(weights[k] * parts[k][c] for k in weights) / wsum for c in codes}
        label = "mix of " + ", ".join(f"{k.value} {w:g}" for k, w in weights.items())
        return mixed, label
    key = bs.fairness_key if bs.fairness_key in attrs else FairnessKey.gdp
    label = key.value + (" (approximated by GDP)" if key is FairnessKey.national_income else "")
    return shares(key), label


def _opt_fair_share(opt: Mapping[str, Any] | None) -> dict[str, float]:
    """Fair shares (0..1) from the optimiser's per-nation table, if it gives them."""
    if not opt:
        return {}
    for key in sorted(opt):
        value = opt[key]
        if not (isinstance(value, list) and value and isinstance(value[0], Mapping)):
            continue
        if "nation" not in value[0]:
            continue
        col = next((c for c in value[0] if "fair" in c.lower() and "share" in c.lower()), None)
        if col is None:
            continue
        out = {}
        for row in value:
            try:
                out[str(row["nation"])] = float(row[col])
            except (TypeError, ValueError):
                continue
        if out and max(out.values()) <= 1.0 + 1e-9:
            return out
    return {}


def burden_section(run: RunData, req: Requirement) -> Section:
    """Per-nation table and chart: troops deployed and pool committed vs fair share, land forces."""
    sec = Section("burden", "Burden sharing")
    scen = run.scenario
    alloc = run.allocation
    if alloc.empty:
        sec.paragraphs.append("The run folder holds no allocation, so no burden table is shown.")
        return sec
    per_unit = {c.id: c.personnel_per_unit_pax for c in scen.force.capabilities}
    a = alloc.copy()
    if "personnel_deployed" not in a.columns:
        a["personnel_deployed"] = [
            per_unit.get(c, 0) * u for c, u in zip(a["capability"], a["units"], strict=True)
        ]
    if "personnel_committed" not in a.columns:
        a["personnel_committed"] = np.nan
    by = a.groupby("nation", sort=True).agg(
        units=("units", "sum"),
        deployed=("personnel_deployed", "sum"),
        committed=("personnel_committed", lambda s: s.sum(min_count=1)),
    )
    eligible = [
        n.code
        for n in scen.nations
        if n.participates and n.willingness in scen.burden_sharing.eligible_willingness
    ]
    codes = sorted(set(by.index) | set(eligible))
    codes = [c for c in codes if any(n.code == c for n in scen.nations)]
    opt_share = _opt_fair_share(run.optimisation)
    share, key_label = fair_shares(scen, [c for c in codes if c in eligible] or codes)
    if opt_share:
        share, key_label = opt_share, f"{key_label} (fair shares as computed by the optimiser)"
    total = float(by["deployed"].sum())
    rows, chart = [], []
    floor_default = scen.rotation.home_defence_floor
    for code in sorted(codes, key=lambda c: (-float(by["deployed"].get(c, 0)), c)):
        nation = scen.nation(code)
        deployed = float(by["deployed"].get(code, 0))
        committed = float(by["committed"].get(code, np.nan))
        fair = share.get(code, 0.0) * total
        floor = (
            nation.home_defence_floor if nation.home_defence_floor is not None else floor_default
        )
        available = nation.land_forces_pax * (1 - floor)
        rows.append(
            [
                f"{nation.name} ({code})",
                nation.willingness.value.replace("_", " "),
                num(by["units"].get(code, 0)),
                num(deployed),
                num(committed),
                num(fair),
                num(deployed - fair),
                num(nation.land_forces_pax),
                pct(committed / nation.land_forces_pax)
                if nation.land_forces_pax and not is_nan(committed)
                else "—",
            ]
        )
        chart.append(
            {
                "nation": code,
                "deployed_pax": deployed,
                "committed_pax": committed,
                "fair_share_pax": fair,
                "available_pax": available,
            }
        )
    sec.paragraphs.append(
        f"Troops deployed are in theatre at any time; the pool committed also counts the units "
        f"preparing, travelling and recovering that rotation needs. Fair share: the deployed "
        f"force ({total:,.0f} troops) split among the eligible nations by {key_label}. "
        f"'Headroom' marks land forces minus the home-defence floor."
    )
    if (by["committed"] == by["deployed"]).all():
        sec.paragraphs.append(
            "This allocation records no rotation pool beyond the deployed units, so 'pool "
            "committed' equals 'troops deployed' here; the optimiser's allocation gives both."
        )
    sec.tables.append(
        Table(
            [
                "nation",
                "stance",
                "units",
                "troops deployed",
                "pool committed",
                "fair share",
                "deployed − fair",
                "land forces",
                "pool / land forces",
            ],
            rows,
        )
    )
    frame = pd.DataFrame(chart)
    frame["committed_pax"] = frame["committed_pax"].fillna(0)
    sec.figures.append(
        Figure(
            "burden.svg",
            figures.burden_chart(frame),
            "Bar chart of troops deployed and pool committed per nation, with fair share and "
            "land-force headroom marks; the same figures are in the table.",
        )
    )
    by_cap = a.pivot_table(
        index="nation", columns="capability", values="units", aggfunc="sum", fill_value=0
    ).sort_index()
    sec.details.append(
        (
            "Units by nation and capability",
            Table(
                ["nation", *[str(c) for c in by_cap.columns]],
                [
                    [str(i), *[num(v) for v in r]]
                    for i, r in zip(by_cap.index, by_cap.to_numpy(), strict=True)
                ],
            ),
        )
    )
    return sec


def strength_section(run: RunData) -> Section:
    """Deployed strength by day: mean, CI band, target; build-up visible from day 0."""
    sec = Section("strength", "Deployed strength over time")
    s = run.reduced.strength
    if s.empty:
        sec.paragraphs.append("No deployed strength was recorded in this run.")
        return sec
    conf = run.scenario.experiment.confidence
    b = band(s, ["day"], "value", conf)
    target = float(run.scenario.force.target_deployed_pax)
    warm = run.scenario.experiment.warmup_days
    metrics = run.summary.get("metrics", {})
    closure = metrics.get("initial_deployment_closure_days", {})
    mean_entry = metrics.get("deployed_strength_mean_pax", {})
    held = metrics.get("covered_strength_mean_pax", {})
    below = metrics.get("days_below_target", {})
    sec.paragraphs.append(
        f"Target {target:,.0f} troops. After the {num(warm)}-day warm-up the force averaged "
        f"{interval(mean_entry)} troops in theatre (mean [{conf:.0%} CI]; a unit and its relief "
        f"in place both count) and held slots worth {interval(held)} troops (each filled slot "
        f"once), and was below target on {interval(below)} days. "
        + (
            f"The initial build-up first reached the target after {interval(closure)} days"
            + (
                f"; in {closure.get('never_reached')} replications it never did."
                if closure.get("never_reached")
                else "."
            )
            if closure.get("n", 0)
            else f"The force never reached the target in any of the "
            f"{closure.get('never_reached', 0)} replications."
        )
    )
    sec.figures.append(
        Figure(
            "strength.svg",
            figures.strength_chart(b, target, warm, conf),
            f"Line chart of troops deployed by day with its confidence band against the target of "
            f"{target:,.0f}; the build-up from day 0 is visible.",
        )
    )
    return sec


def supply_section(run: RunData) -> Section:
    """Days of supply by sector and class (chart and table), or why there are none."""
    sec = Section("supply", "Days of supply by sector and class")
    sup = run.reduced.supply
    if sup.empty or sup["days_of_supply"].notna().sum() == 0:
        enabled = run.scenario.sustainment.enabled
        sec.paragraphs.append(
            "No stock levels were recorded in this run: "
            + (
                "sustainment is switched off in the scenario."
                if not enabled
                else "the engine that produced it did not model forward depots' stocks."
            )
            + " No chart is drawn."
        )
        return sec
    policy = run.scenario.sustainment.stock_policy
    mean = (
        sup.groupby(["sector", "supply_class", "day"])["days_of_supply"]
        .mean()
        .rename("mean")
        .reset_index()
    )
    warm = run.scenario.experiment.warmup_days
    cap = 1.5 * policy.order_up_to_days
    ranking = supply_ranking(run)
    sec.paragraphs.append(
        f"Forward depot stock in days of supply. Stock policy: start "
        f"{num(policy.initial_days_of_supply)}, reorder at {num(policy.reorder_point_days)}, "
        f"order up to {num(policy.order_up_to_days)} days. The grid gives, for each sector and "
        f"class, the lowest level after the {num(warm)}-day warm-up (mean over replications of "
        "each run's minimum); 0 means the depot ran dry."
    )
    matrix = ranking.pivot(index="sector", columns="supply_class", values="min_dos").sort_index()
    sec.figures.append(
        Figure(
            "supply_lowest.svg",
            figures.supply_matrix(matrix, policy.reorder_point_days),
            "Grid of the lowest days of supply by sector and class of supply after warm-up.",
        )
    )
    sec.figures.append(
        Figure(
            "supply.svg",
            figures.supply_chart(mean, policy.reorder_point_days, warm, cap),
            f"Days of supply by day for each sector and class (mean over replications) with "
            f"the reorder point; the axis stops at {num(cap)} days.",
        )
    )
    header = [
        "sector",
        "class",
        "mean days of supply",
        "lowest (mean of run minima)",
        "shortfall days per run",
    ]
    rows = [
        [str(r.sector), str(r.supply_class), num(r.mean_dos), num(r.min_dos), num(r.short_days)]
        for r in ranking.itertuples(index=False)
    ]
    sec.tables.append(Table(header, rows[:SUPPLY_ROWS]))
    if len(rows) > SUPPLY_ROWS:
        sec.details.append((f"All {len(rows)} sector and class combinations", Table(header, rows)))
    return sec


def nodes_section(run: RunData) -> Section:
    """Node utilisation: schematic map from coordinates and a heatmap by period."""
    sec = Section("nodes", "Node utilisation")
    nodes = run.reduced.nodes
    warm = run.scenario.experiment.warmup_days
    if nodes.empty or nodes["utilisation"].notna().sum() == 0:
        sec.paragraphs.append("No node utilisation was recorded in this run; no chart is drawn.")
        return sec
    after = nodes[nodes["day"] >= warm]
    mean = after.groupby("node")["utilisation"].mean()
    wait = after.groupby("node")["wait_days"].mean()
    net = run.scenario.network
    pos = {n.id: n for n in net.nodes}
    shown = [n for n in net.nodes if n.kind.value != "home"]
    frame = pd.DataFrame(
        {
            "id": [n.id for n in shown],
            "lat": [n.lat for n in shown],
            "lon": [n.lon for n in shown],
            "utilisation": [float(mean.get(n.id, np.nan)) for n in shown],
        }
    )
    links = [
        (pos[lk.from_node].lon, pos[lk.from_node].lat, pos[lk.to_node].lon, pos[lk.to_node].lat)
        for lk in net.links
        if lk.from_node in pos
        and lk.to_node in pos
        and pos[lk.from_node].kind.value != "home"
        and pos[lk.to_node].kind.value != "home"
    ]
    sec.paragraphs.append(
        "Share of each node's handling lines busy, after warm-up, mean over replications. "
        "The map is schematic (node coordinates only, home bases off-map); a node at 100% has "
        "no spare capacity and queues grow."
    )
    sec.figures.append(
        Figure(
            "network.svg",
            figures.node_map(frame, links),
            "Schematic map of the lines of communication with nodes coloured by mean utilisation.",
        )
    )
    period = after.assign(period=(after["day"] // PERIOD_DAYS) * PERIOD_DAYS)
    matrix = period.groupby(["node", "period"])["utilisation"].mean().unstack("period")
    busiest = mean.sort_values(ascending=False, kind="stable").index[:HEATMAP_NODES]
    rest = len(mean) - len(busiest)
    sec.figures.append(
        Figure(
            "node_heatmap.svg",
            figures.node_heatmap(matrix.loc[busiest], PERIOD_DAYS),
            f"Heatmap of node utilisation by {PERIOD_DAYS}-day period, busiest node first"
            + (f"; the {rest} quieter nodes are in the table below." if rest > 0 else "."),
        )
    )
    order = mean.sort_values(ascending=False, kind="stable").index
    sec.tables.append(
        Table(
            ["node", "name", "kind", "servers", "mean utilisation", "mean wait (days)"],
            [
                [
                    str(n),
                    pos[n].name if n in pos else "",
                    pos[n].kind.value if n in pos else "",
                    num(pos[n].servers) if n in pos else "",
                    pct(mean[n]),
                    num(wait.get(n)),
                ]
                for n in order
            ],
        )
    )
    return sec


PRIORITY_WORDS = {
    "reinforcement_first": "the reinforcement goes ahead of rotation and supply",
    "shared": "the reinforcement queues with rotation and supply in arrival order",
}
#: Surge-window metric, the whole-run metric beside it (None: none), row label, digits.
SURGE_ROWS: tuple[tuple[str, str | None, str, int], ...] = (
    ("surge_other_sectors_fill_rate", "fill_rate", "fill rate (share of demand met)", 4),
    ("surge_other_sectors_mean_days_of_supply", None, "mean days of supply", 3),
    ("surge_other_sectors_min_days_of_supply", "min_days_of_supply", "lowest days of supply", 3),
)


def surge_impact_sentence(run: RunData) -> str:
    """What the surge window is and what it shows of the other sectors' supply."""
    plans = run.scenario.reinforcement.plans
    metrics = run.summary.get("metrics", {})
    threatened = sorted({p.sector for p in plans})
    others = [s.id for s in run.scenario.force.sectors if s.id not in threatened]
    targets = sorted({p.target_days for p in plans})
    window = (
        f"the {num(targets[0])} days from the trigger to the target"
        if len(targets) == 1
        else "each plan's days from its trigger to its target"
    )
    fill = metrics.get("surge_other_sectors_fill_rate", {})
    if is_nan(fill.get("mean")):
        return (
            f"Supply in the other sectors during the surge ({window}) cannot be shown: no "
            "supply demand was recorded there in any replication."
        )
    lowest = metrics.get("surge_other_sectors_min_days_of_supply", {})
    where = ", ".join(others) if others else "sectors other than the threatened one"
    return (
        f"Effect of the surge on everyone else's supply: over {window}, the sectors not "
        f"reinforced ({where}) met {pct(fill.get('mean'))} of their demand, and their stocks "
        f"fell as low as {num(lowest.get('mean'))} days of supply on average over replications "
        "(table: mean [CI]; beside it, the whole run after the warm-up in all sectors). To see "
        "what the priority rule costs them, sweep it with common random numbers: "
        '`logistics-sim sweep FILE --set "reinforcement.plans[0].priority=shared,'
        'reinforcement_first"`.'
    )


def surge_impact_table(metrics: Mapping[str, Mapping[str, Any]]) -> Table | None:
    """Other sectors' fill rate and days of supply in the surge beside the whole run's."""
    if all(is_nan(metrics.get(m, {}).get("mean")) for m, *_ in SURGE_ROWS):
        return None
    rows = [
        [
            label,
            interval(metrics.get(surge, {}), digits),
            interval(metrics[whole], digits) if whole and whole in metrics else "—",
        ]
        for surge, whole, label, digits in SURGE_ROWS
    ]
    return Table(["supply", "other sectors, surge window", "whole run, all sectors"], rows)


def reinforcement_section(run: RunData) -> Section:
    """Arrivals curve after the trigger and the CDF of closure days against the target."""
    sec = Section("reinforcement", "Reinforcement closure")
    plans = run.scenario.reinforcement.plans
    if not plans:
        sec.paragraphs.append("The scenario has no reinforcement plan; nothing to show.")
        return sec
    windows = reinforcement_windows(run)
    horizon = run.scenario.horizon_days
    triggered = windows[windows["trigger"].notna() & (windows["trigger"] < horizon)]
    per_unit = {c.id: c.personnel_per_unit_pax for c in run.scenario.force.capabilities}
    targets = {p.sector: p.target_days for p in plans}
    required = {
        p.sector: p.closure_share * sum(per_unit.get(r.capability, 0) * r.units for r in p.required)
        for p in plans
    }
    for p in plans:
        units = ", ".join(f"{r.units} × {r.capability}" for r in p.required)
        sec.bullets.append(
            f"Plan {p.id}: sector {p.sector} needs {units} ({pct(p.closure_share)} to close) "
            f"within {num(p.target_days)} days of the trigger (trigger day: "
            f"{dist_text(p.trigger_day)}); at shared nodes {PRIORITY_WORDS[p.priority.value]}."
        )
    metrics = run.summary.get("metrics", {})
    close = metrics.get("reinforcement_closure_days", {})
    ontime = metrics.get("probability_reinforcement_on_time", {})
    if triggered.empty:
        sec.paragraphs.append("No plan was triggered within the horizon in any replication.")
        return sec
    never = close.get("never_reached", 0)
    on_time = f"on time in {pct_interval(ontime)} of replications (Wilson interval)"
    if close.get("n", 0):
        sec.paragraphs.append(
            f"Closure time {interval(close)} days (mean [CI] over the replications that closed; "
            f"{never} never closed within the horizon); {on_time}."
        )
    else:
        sec.paragraphs.append(
            f"The required force never closed at the threatened sector in any of the {never} "
            f"replications where a plan was triggered; {on_time}."
        )
    sec.paragraphs.append(surge_impact_sentence(run))
    arr = run.reduced.arrivals.merge(
        triggered[["replication", "sector", "trigger"]], on=["replication", "sector"]
    )
    arr = arr.assign(since=arr["day"] + 1 - arr["trigger"].apply(math.floor))
    arr = arr[arr["since"] >= 0]
    # Late triggers leave few days before the horizon: draw only the days after the trigger
    # that at least half of the triggered replications (and two) still observe.
    observed = arr.groupby(["sector", "since"])["replication"].transform("nunique")
    runs = arr["sector"].map(triggered.groupby("sector")["replication"].nunique())
    arr = arr[observed >= np.maximum(2, 0.5 * runs)]
    if not arr.empty:
        curves = band(
            arr.assign(since=arr["since"].astype(int)),
            ["sector", "since"],
            "value",
            run.scenario.experiment.confidence,
        )
        curves = curves.fillna({"ci_low": curves["mean"], "ci_high": curves["mean"]})
        sec.figures.append(
            Figure(
                "reinforcement_arrivals.svg",
                figures.arrivals_chart(curves, required),
                "Cumulative reinforcement troops closed at the threatened sector by day after the "
                "trigger (mean over the replications whose horizon still covers that day), with "
                "the troops required.",
            )
        )
    closures = {
        str(s): g["closure"].dropna().to_numpy(dtype="float64")
        for s, g in triggered.groupby("sector", sort=True)
    }
    counts = {str(s): len(g) for s, g in triggered.groupby("sector", sort=True)}
    sec.figures.append(
        Figure(
            "reinforcement_cdf.svg",
            figures.closure_cdf(closures, counts, targets),
            "Cumulative distribution of closure days over replications with the target marked.",
        )
    )
    rows = []
    for s in sorted(closures):
        vals = closures[s]
        share_on_time = float((vals <= targets.get(s, math.inf)).sum()) / max(counts[s], 1)
        rows.append(
            [
                s,
                str(counts[s]),
                str(len(vals)),
                num(np.median(vals) if len(vals) else math.nan),
                num(vals.max() if len(vals) else math.nan),
                num(targets.get(s)),
                pct(share_on_time),
            ]
        )
    sec.tables.append(
        Table(
            [
                "sector",
                "triggered",
                "closed",
                "median days",
                "slowest days",
                "target days",
                "on time",
            ],
            rows,
        )
    )
    surge = surge_impact_table(metrics)
    if surge is not None:
        sec.tables.append(surge)
    return sec


def sensitivity_section(run: RunData) -> Section:
    """Tornado chart from a sweep table, or how to run a sweep."""
    sec = Section("sensitivity", "Sensitivity")
    sweep = run.sweep
    if sweep is None or sweep.empty:
        sec.paragraphs.append(
            "No sweep was given, so no sensitivity chart is drawn. To see which inputs move the "
            "verdict, run for example `logistics-sim sweep SCENARIO --design oat --set "
            "rotation.dwell_ratio=2,4 --set sustainment.stock_policy.reorder_point_days=7,13` and "
            "pass the resulting sweep folder to `logistics-sim report --sweep FOLDER`."
        )
        return sec
    criteria = [c.metric for c in run.scenario.criteria]
    metrics = [m for m in criteria if m in set(sweep["metric"])] or sorted(set(sweep["metric"]))
    metric = metrics[0]
    rows = sweep[(sweep["metric"] == metric) & (sweep["varied"] != "baseline")]
    unit = str(rows["unit"].iloc[0]) if len(rows) and "unit" in rows else ""
    params = sorted({p for v in rows["varied"].astype(str) for p in v.split(";") if p})
    bars = []
    for p in params:
        own = rows[rows["varied"].astype(str) == p]
        if own.empty:
            own = rows[rows["varied"].astype(str).str.split(";").apply(lambda v, p=p: p in v)]
        d = own["diff_vs_baseline"].astype("float64")
        if d.notna().any():
            # the baseline (difference 0) is one end of every bar
            bars.append(
                {"parameter": p, "low": min(0.0, float(d.min())), "high": max(0.0, float(d.max()))}
            )
    if not bars:
        sec.paragraphs.append(f"The sweep gives no difference for {metric}; no chart is drawn.")
        return sec
    sec.paragraphs.append(
        f"Change in {metric} (the first criterion's metric) from the baseline, paired by "
        "replication (common random numbers), over the values each parameter took in the "
        "sweep; the sweep's sweep.csv holds every other metric."
    )
    frame = pd.DataFrame(bars)
    sec.figures.append(
        Figure(
            "tornado.svg",
            figures.tornado(frame, metric, unit),
            f"Tornado chart of the change in {metric} for each swept parameter.",
        )
    )
    label = "settings" if "settings" in sweep.columns else "varied"
    cols = [
        c
        for c in (
            "variant",
            label,
            "mean",
            "ci_low",
            "ci_high",
            "diff_vs_baseline",
            "diff_ci_low",
            "diff_ci_high",
            "verdict",
        )
        if c in sweep.columns
    ]
    sec.tables.append(
        Table(
            cols,
            [
                [num(v) if isinstance(v, int | float) else str(v) for v in r]
                for r in sweep[sweep["metric"] == metric][cols].itertuples(index=False)
            ],
        )
    )
    return sec


# ---------------------------------------------------------------------------------------------
# Assumptions and sources.
# ---------------------------------------------------------------------------------------------


def _label(item: BaseModel) -> str:
    """A readable name of a list item: its id, code or name."""
    for attr in ("id", "code", "name", "target"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return ""


def _values(model: BaseModel) -> str:
    """The block's own numbers and distributions in words (nested blocks excluded)."""
    parts = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in ("source", "assumption"):
            continue
        if isinstance(value, bool):
            parts.append(f"{name}={'yes' if value else 'no'}")
        elif isinstance(value, int | float):
            parts.append(f"{name}={num(value)}")
        elif isinstance(
            value, FixedDist | ExponentialDist | LognormalDist | TriangularDist | UniformDist
        ):
            parts.append(f"{name}={dist_text(value)}")
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, int | float) for v in value.values())
        ):
            inner = ", ".join(f"{getattr(k, 'value', k)}: {num(v)}" for k, v in value.items())
            parts.append(f"{name}={{{inner}}}")
    return "; ".join(parts)


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


_ = Dist  # the union walked by _values; imported so its members stay in one place


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


def assumptions_section(run: RunData) -> Section:
    """Every planning figure the scenario uses with its source and estimate flag; the tables'."""
    sec = Section("assumptions", "Assumptions and sources")
    sources = read_sources(run.data_dir)
    tables = {
        "planning_factors.csv": ("factor_id", read_csv_rows(run.data_dir, "planning_factors.csv")),
        "force_factors.csv": ("factor_id", read_csv_rows(run.data_dir, "force_factors.csv")),
        "lines_of_communication.csv": (
            "loc_id",
            read_csv_rows(run.data_dir, "lines_of_communication.csv"),
        ),
        "network_capacities.csv": (
            "element",
            read_csv_rows(run.data_dir, "network_capacities.csv"),
        ),
        "nations.csv": ("iso3", read_csv_rows(run.data_dir, "nations.csv")),
    }
    row_estimate: dict[str, bool] = {}
    for _name, (key, rows) in tables.items():
        for row in rows:
            est = (row.get("is_estimate") or row.get("army_is_estimate") or "").lower() == "yes"
            row_estimate[row.get(key, "")] = row_estimate.get(row.get(key, ""), False) or est
    flag = estimate_flags(row_estimate)
    blocks = list(walk_sourced(run.scenario))
    counts: dict[str, int] = {}
    rows_out = []
    for path, block in blocks:
        f = flag(block.source, block.assumption)
        if isinstance(block, Nation) and row_estimate.get(block.code) and f == "sourced":
            f = "partly estimated"  # nations.csv marks this nation's land forces an estimate
        counts[f] = counts.get(f, 0) + 1
        rows_out.append(
            [
                path,
                _values(block) or "(see nested blocks)",
                block.source or "",
                block.assumption or "",
                f,
            ]
        )
    sec.paragraphs.append(
        f"The resolved scenario has {len(blocks)} blocks of figures; "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + ". 'Estimate' means every source key is an assumption (ASSUMP_…), our arithmetic "
        "(DERIVED) or a reference-table row marked is_estimate = yes."
    )
    sec.details.append(
        (
            f"Every block of figures in the resolved scenario ({len(rows_out)})",
            Table(["block", "figures used", "source", "assumption", "status"], rows_out),
        )
    )
    used_factors = {
        fid
        for sc in run.scenario.sustainment.supply_classes
        for ids in sc.factor_ids.values()
        for fid in ids
    }
    cited = {k for _p, b in blocks for k in source_keys(b.source)}
    nation_codes = {n.code for n in run.scenario.nations}
    for name, (key, rows) in tables.items():
        if name == "planning_factors.csv":
            chosen = [r for r in rows if r.get(key) in used_factors or r.get(key) in cited]
        elif name == "nations.csv":
            chosen = [r for r in rows if r.get(key) in nation_codes]
        elif name == "network_capacities.csv":
            chosen = rows
        else:
            chosen = [r for r in rows if r.get(key) in cited]
        if not chosen:
            continue
        if name == "nations.csv":
            header = ["iso3", "land forces", "land forces estimated?", "source", "willingness"]
            body = [
                [
                    r.get("iso3", ""),
                    r.get("army_personnel", ""),
                    r.get("army_is_estimate", ""),
                    r.get("army_source", "") or r.get("source", ""),
                    r.get("willingness_flag", ""),
                ]
                for r in chosen
            ]
        else:
            value_col = "value_kg_per_person_day" if name == "planning_factors.csv" else "value"
            header = [key, "item", "value", "unit", "source", "is_estimate"]
            body = [
                [
                    r.get(key, ""),
                    r.get("item") or r.get("parameter") or r.get("name") or "",
                    r.get(value_col) or r.get("value", ""),
                    "kg/person/day" if value_col != "value" else r.get("unit", ""),
                    r.get("source", ""),
                    r.get("is_estimate", ""),
                ]
                for r in chosen
            ]
        sec.details.append((f"scenarios/data/{name}: {len(chosen)} rows used", Table(header, body)))
    if run.data_dir is None:
        sec.paragraphs.append(
            "The reference tables (scenarios/data) were not found beside the package, so data "
            "rows are not listed; the blocks above still give each figure's source key."
        )
    keys = sorted(
        cited
        | {
            k
            for r in (tables["planning_factors.csv"][1])
            if r.get("factor_id") in used_factors
            for k in source_keys(r.get("source"))
        }
    )
    if sources:
        sec.details.append(
            (
                f"Source keys cited ({sum(k in sources for k in keys)} defined in sources.md)",
                Table(
                    ["key", "citation"],
                    [[k, sources.get(k, "(table row or key not in sources.md)")] for k in keys],
                ),
            )
        )
    return sec


# ---------------------------------------------------------------------------------------------
# Limitations, annex, provenance.
# ---------------------------------------------------------------------------------------------


def limitations_section(run: RunData, req: Requirement) -> Section:
    """What the model leaves out, and what this particular run left out."""
    scen = run.scenario
    sec = Section("limitations", "Limitations")
    sec.bullets = [
        "No combat, attrition or casualty evacuation: the force is a reassurance force after a "
        "cease-fire; losses to enemy action are not modelled, only interdiction of the lines of "
        "communication.",
        "Movements are aggregated: a train, a convoy or an aircraft sortie is one entity and each "
        "sector draws each class of supply once a day, so intra-day peaks are smoothed.",
        "Units are whole battalions of a catalogue type; brigade and divisional enablers, "
        "headquarters and host-nation support appear only as the capabilities listed.",
        "Political stances are fixed for the whole horizon; a nation leaving or joining midway "
        "is a separate scenario.",
        "The network is fixed: no new crossings, repaired bridges or extra rolling stock are built "
        "during the run; damage recovers by the stated repair times.",
        "Costs are relative planning weights, not budgets; no financing or industrial capacity "
        "limits are modelled.",
        "Uncertainty covers only what the scenario samples (transit times, handling, demand, "
        "strikes, triggers); the reference figures themselves are taken as given, and many are "
        "estimates (see Assumptions and sources).",
    ]
    if not scen.sustainment.enabled or run.reduced.supply.empty:
        sec.bullets.append(
            "In this run no forward-depot stocks were modelled, so supply "
            "criteria and stock-out figures are absent."
        )
    if not scen.disruptions.scheduled and not scen.disruptions.random:
        sec.bullets.append("This scenario has no strikes on the lines of communication.")
    if not scen.reinforcement.plans:
        sec.bullets.append("This scenario has no reinforcement plan.")
    if run.optimisation is None:
        sec.bullets.append(
            f"No optimiser result: the allocation is '{req.source}', not an "
            "optimised division of the burden."
        )
    return sec


def _validation_cases(run: RunData) -> tuple[list[str], Table | None]:
    """docs/validation.md's cases (### headings, else ## ones) and its first table, if any."""
    if run.docs_dir is None or not (run.docs_dir / "validation.md").is_file():
        return [], None
    lines = (run.docs_dir / "validation.md").read_text(encoding="utf-8").splitlines()
    clean = [line.replace("`", "") for line in lines]
    cases = [line[4:].strip() for line in clean if line.startswith("### ")]
    if not cases:
        cases = [line[3:].strip() for line in clean if line.startswith("## ")]
    rows: list[list[str]] = []
    for line in clean:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):  # skip the |---| rule
                rows.append(cells)
        elif rows:
            break  # the first table ends at the first line that is not a row
    table = Table(rows[0], rows[1:]) if len(rows) > 1 else None
    return cases, table


def annex_section(run: RunData) -> Section:
    """STRESS-DES style annex: objectives, logic, data, experimentation, implementation."""
    scen = run.scenario
    man = run.manifest
    summ = run.summary
    net = scen.network
    sec = Section("annex", "Annex: simulation study report (STRESS-DES)")
    crit = (
        "; ".join(
            f"{c.name} ({c.metric} {c.comparison.value} {num(c.threshold)})" for c in scen.criteria
        )
        or "none stated"
    )
    sec.tables.append(
        Table(
            ["item", "this study"],
            [
                [
                    "1.1 Purpose",
                    "Can the coalition deploy, rotate, sustain and reinforce the force "
                    "asked, and how is the burden shared among nations?",
                ],
                ["1.2 Outputs (criteria)", crit],
                ["1.3 Scenario", f"{scen.name}: {scen.description}"],
                [
                    "2.1 Base logic",
                    "SimPy discrete-event model. Units (battalions) deploy from home nodes, "
                    "serve a tour in a sector slot, are relieved in place with overlap, return "
                    "and dwell; the optimiser's allocation fixes each nation's units. Supplies "
                    "move from rear hubs to forward depots by finite fleets; reinforcements "
                    "move on a trigger from readiness tiers.",
                ],
                [
                    "2.2 Entities",
                    "units; movements (one train, convoy or sortie each); one supply "
                    "draw per sector and class per day",
                ],
                [
                    "2.3 Resources and queues",
                    f"{len(net.nodes)} nodes with handling lines (servers) and "
                    f"{len(net.links)} links; {len(scen.sustainment.fleets)} fleets; "
                    "reinforcement priority at shared nodes as each plan states",
                ],
                [
                    "2.4 Randomness",
                    "numpy SeedSequence(base_seed, spawn_key=(replication,)); one "
                    "Generator per subsystem (network, rotation, demand, transport, disruption, "
                    "reinforcement)",
                ],
                [
                    "3.1 Inputs",
                    f"{len(scen.nations)} nations, {len(scen.force.capabilities)} "
                    f"capability types, {len(scen.force.sectors)} sectors, "
                    f"{len(scen.sustainment.supply_classes)} supply classes, "
                    f"{len(scen.disruptions.scheduled)} scheduled and "
                    f"{len(scen.disruptions.random)} random strike sets, "
                    f"{len(scen.reinforcement.plans)} reinforcement plans (see Assumptions and "
                    "sources)",
                ],
                [
                    "3.2 Pre-processing",
                    "reference tables merged into the scenario before validation; "
                    "the resolved scenario is stored in the run folder as scenario.resolved.yaml",
                ],
                ["4.1 Run length", f"{scen.horizon_days} days from {scen.start_date.isoformat()}"],
                [
                    "4.2 Warm-up",
                    f"{num(scen.experiment.warmup_days)} days excluded from daily-series "
                    "metrics; closure times are measured from day 0",
                ],
                [
                    "4.3 Replications",
                    f"{summ.get('replications', '—')} done of "
                    f"{man.get('replications_planned', '—')} planned; failed: "
                    f"{summ.get('failed_replications') or 'none'}",
                ],
                [
                    "4.4 Seeds",
                    f"base seed {summ.get('base_seed', man.get('base_seed'))}; "
                    f"{man.get('seeds', 'per-replication SeedSequence')}",
                ],
                [
                    "4.5 Confidence intervals",
                    "two-sided Student t interval of the mean over replications at "
                    f"{float(summ.get('confidence', 0.95)):.0%} (mean ± t·s/√n); closure times "
                    "over the replications that closed",
                ],
                ["4.6 Executor", str(man.get("executor", "not recorded"))],
                [
                    "5.1 Software",
                    ", ".join(f"{k} {v}" for k, v in sorted((man.get("versions") or {}).items())),
                ],
                ["5.2 Command", str(man.get("command_line", "not recorded"))],
            ],
        )
    )
    cases, results = _validation_cases(run)
    validation = (
        "against queueing theory and hand calculation (docs/validation.md): " + "; ".join(cases)
        if cases
        else "docs/validation.md is not available to this build, so its cases are not listed"
    )
    sec.tables[0].rows.append(["6 Validation", validation])
    if results is not None:
        sec.details.append(("Validation results (docs/validation.md)", results))
    return sec


def provenance_section(run: RunData) -> Section:
    """Scenario sha256, base seed, code version and hashes of the files the report read."""
    man = run.manifest
    versions = man.get("versions") or {}
    rows = [
        ["scenario", str(man.get("scenario", run.scenario.name))],
        ["scenario sha256 (resolved, canonical JSON)", str(man.get("scenario_sha256", "—"))],
        ["allocation sha256", str(man.get("allocation_sha256", "—"))],
        ["base seed", str(man.get("base_seed", run.summary.get("base_seed", "—")))],
        [
            "code version",
            f"logistics_sim {versions.get('logistics_sim', '—')}"
            + (f", commit {man['git_commit']}" if man.get("git_commit") else ""),
        ],
        ["run folder", run.folder.name],
    ]
    rows += [[f"sha256 of {name}", digest] for name, digest in sorted(run.file_hashes.items())]
    return Section(
        "provenance",
        "Provenance",
        tables=[Table(["item", "value"], rows)],
        paragraphs=[
            "The same run folder always renders the same report, byte for "
            "byte: the body carries no date or time."
        ],
    )


def build_sections(run: RunData) -> tuple[str, Requirement, list[Section]]:
    """The overall verdict, the requirement line and every section in the order of SECTIONS."""
    req = requirement(run)
    verdict_sec, verdict = verdict_section(run, req)
    sections = [
        verdict_sec,
        binds_section(run, req),
        burden_section(run, req),
        strength_section(run),
        supply_section(run),
        nodes_section(run),
        reinforcement_section(run),
        sensitivity_section(run),
        assumptions_section(run),
        limitations_section(run, req),
        annex_section(run),
        provenance_section(run),
    ]
    assert [s.id for s in sections] == [i for i, _ in SECTIONS]
    return verdict, req, sections
