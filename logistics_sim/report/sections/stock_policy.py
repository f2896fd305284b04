"""Stock policy: whether the depots' reorder rule, rather than transport capacity, fails supply."""

from __future__ import annotations

from logistics_sim.report.findings import NO_HEADROOM_SHARE, stock_policy_finding
from logistics_sim.report.format import num, pct
from logistics_sim.report.rundata import RunData
from logistics_sim.report.sections.elements import Section


def stock_policy_section(run: RunData) -> Section:
    """The policy in force, and when a days-of-supply criterion fails, policy or capacity."""
    sec = Section("stock_policy", "Stock policy")
    sus = run.scenario.sustainment
    if not sus.enabled:
        sec.paragraphs.append("Sustainment is not modelled in this scenario.")
        return sec
    policy = sus.stock_policy
    sec.paragraphs.append(
        f"Each forward depot starts with {num(policy.initial_days_of_supply)} days of supply, "
        f"reorders when its stock and what is on the way cover fewer than "
        f"{num(policy.reorder_point_days)} days, and then orders up to "
        f"{num(policy.order_up_to_days)} days."
    )
    finding = stock_policy_finding(run)
    if finding is None:
        sec.bullets.append("No days-of-supply criterion failed or was at risk in this run.")
        return sec
    busiest = finding.busiest
    load = (
        f"the busiest transport resource, the {busiest.kind} {busiest.id}, was "
        f"{pct(busiest.share)} busy"
        if busiest is not None
        else "no transport load was recorded"
    )
    if finding.policy_binds:
        sec.bullets.append(
            f"{finding.criterion}: the lowest stock averaged {num(finding.lowest_days)} days "
            f"against {num(finding.threshold)}, while {load} (below "
            f"{pct(NO_HEADROOM_SHARE)}): transport had room to bring more, so the stock "
            "policy, not capacity, fails this criterion."
        )
    else:
        sec.bullets.append(
            f"{finding.criterion}: the lowest stock averaged {num(finding.lowest_days)} days "
            f"against {num(finding.threshold)}, and {load}: capacity binds, so a larger "
            "order alone would not pass it."
        )
    sec.bullets.append(
        f"A policy to try: reorder at {num(finding.suggested_reorder_days)} days and order up "
        f"to {num(finding.suggested_order_up_to_days)} (both raised by the shortfall); test it "
        "with common random numbers: `logistics-sim sweep FILE --set "
        f'"sustainment.stock_policy.reorder_point_days={num(policy.reorder_point_days)},'
        f'{num(finding.suggested_reorder_days)}"`.'
    )
    return sec
