"""Pydantic models of a scenario: the single, frozen, validated description of one study.

A scenario file (YAML 1.2) is read by ``logistics_sim.loading.load_scenario`` (re-exported here
as ``load_scenario``), its reference tables are merged in by ``logistics_sim.data``, and the
result is validated into :class:`Scenario`. Every model is frozen and forbids unknown keys;
numbers are strict (``true`` is not ``1``) and finite; field names carry their unit
(``_days``, ``_pax``, ``_t``, ``_t_per_day``, ``_km``, ``_kph``).

Numbers in shipped scenarios carry their provenance: a ``source`` key from
``scenarios/data/sources.md`` or an ``assumption`` saying why the figure was chosen.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

# ---------------------------------------------------------------------------------------------
# Scalar types: strict, finite, with their natural bounds.
# ---------------------------------------------------------------------------------------------

Float = Annotated[float, Field(strict=True, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
PosFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
Fraction = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]
NonNegInt = Annotated[int, Field(strict=True, ge=0, le=10**10)]
PosInt = Annotated[int, Field(strict=True, gt=0, le=10**10)]
#: Counts that set how much a replication simulates (units, servers, vehicles): bounded so a
#: typo (``required_units: 1e9``) is refused at once; the run's whole work is bounded too
#: (``logistics_sim.limits``).
UnitCount = Annotated[int, Field(strict=True, ge=0, le=10_000)]
PosUnitCount = Annotated[int, Field(strict=True, gt=0, le=10_000)]
Pax = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]
PosPax = Annotated[int, Field(strict=True, gt=0, le=10_000_000)]
#: A hundred years: long enough for any study, short enough to refuse ``1000000000``.
MAX_HORIZON_DAYS = 36_525
Id = Annotated[str, Field(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, Field(strict=True, max_length=2000)]
NationCode = Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")]


class Frozen(BaseModel):
    """Base of every scenario model: immutable, no unknown keys, finite numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Sourced(Frozen):
    """A block of numbers with its provenance: a source key, or an assumption with its reason."""

    source: Text | None = Field(
        default=None, description="Key(s) in scenarios/data/sources.md, ';'-separated."
    )
    assumption: Text | None = Field(
        default=None, description="Why this figure is assumed when no source gives it."
    )


# ---------------------------------------------------------------------------------------------
# Distributions: a bare number means a fixed value.
# ---------------------------------------------------------------------------------------------


class FixedDist(Frozen):
    """Always the same value."""

    kind: Literal["fixed"] = "fixed"
    value: NonNegFloat


class ExponentialDist(Frozen):
    """Exponential with the given mean (memoryless: Poisson arrivals, M/M/c service)."""

    kind: Literal["exponential"]
    mean: PosFloat


class LognormalDist(Frozen):
    """Lognormal by its own mean and coefficient of variation (not the log's parameters)."""

    kind: Literal["lognormal"]
    mean: PosFloat
    cv: NonNegFloat


class TriangularDist(Frozen):
    """Triangular on [low, high] with the given mode."""

    kind: Literal["triangular"]
    low: NonNegFloat
    mode: NonNegFloat
    high: NonNegFloat


class UniformDist(Frozen):
    """Uniform on [low, high]."""

    kind: Literal["uniform"]
    low: NonNegFloat
    high: NonNegFloat


def _number_to_fixed(value: Any) -> Any:
    """Let a scenario write ``5`` for ``{kind: fixed, value: 5}`` (booleans are not numbers)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"kind": "fixed", "value": float(value)}
    return value


Dist = Annotated[
    FixedDist | ExponentialDist | LognormalDist | TriangularDist | UniformDist,
    BeforeValidator(_number_to_fixed),
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------------------------------------
# Enumerations.
# ---------------------------------------------------------------------------------------------


class Posture(StrEnum):
    """Intensity that sets consumption per person: reassurance (low) or combat (high)."""

    low = "low"
    high = "high"


class Mode(StrEnum):
    """Transport mode of a link or a fleet."""

    road = "road"
    rail = "rail"
    air = "air"
    sea = "sea"


class NodeKind(StrEnum):
    """Role of a node on the lines of communication."""

    home = "home"  # national source, off-map; units and supplies start here
    rear_hub = "rear_hub"  # storage and handling in a host nation (Poland, Slovakia, ...)
    air_hub = "air_hub"  # aerial port of debarkation; aircraft slots and parking (MOG)
    port = "port"  # sea port of debarkation
    rail_hub = "rail_hub"
    transshipment = "transshipment"  # 1,435/1,520 mm gauge change: trains are reloaded
    road_crossing = "road_crossing"  # customs at a border crossing
    rail_crossing = "rail_crossing"
    forward_depot = "forward_depot"  # one per sector in Ukraine; stocks held in days of supply
    junction = "junction"


class Willingness(StrEnum):
    """Political stance of a nation on sending ground troops (nations.csv ``willingness_flag``)."""

    lead = "lead"
    willing = "willing"
    open_conditional = "open_conditional"
    hesitant = "hesitant"
    unclear = "unclear"
    no_ground_troops = "no_ground_troops"
    opposed = "opposed"
    neutral_out = "neutral_out"
    no_forces = "no_forces"


class NoReliefPolicy(StrEnum):
    """What happens to a slot whose relief is not there when the tour ends."""

    extend_then_gap = "extend_then_gap"  # incumbent stays up to the extension limit, then leaves
    gap = "gap"  # incumbent leaves on time; the slot is empty until a relief arrives


class InitialState(StrEnum):
    """Whether the run starts with the force at home (build-up modelled) or in place."""

    from_home = "from_home"
    deployed = "deployed"


class InTransitPolicy(StrEnum):
    """What a shipment does when the node ahead is struck."""

    wait = "wait"
    reroute = "reroute"


class ReinforcementPriority(StrEnum):
    """Whether reinforcement movements go ahead of supply at shared nodes."""

    reinforcement_first = "reinforcement_first"
    shared = "shared"


class Comparison(StrEnum):
    """Direction of a feasibility criterion: the metric must be >= or <= its threshold."""

    ge = ">="
    le = "<="


class FairnessKey(StrEnum):
    """What a nation's fair share of the burden is proportional to."""

    gdp = "gdp"
    population = "population"
    defence_spending = "defence_spending"
    national_income = "national_income"
    mix = "mix"


class Objective(StrEnum):
    """Objective of the burden-sharing optimiser."""

    min_max_deviation = "min_max_deviation"
    min_sum_deviation = "min_sum_deviation"
    min_cost = "min_cost"
    lexicographic = "lexicographic"
    largest_force = "largest_force"


# ---------------------------------------------------------------------------------------------
# The force: sectors and capabilities.
# ---------------------------------------------------------------------------------------------


class Sector(Sourced):
    """A sector of responsibility in Ukraine with its troops and its forward depot."""

    id: Id
    name: Text
    troops_pax: Pax = Field(description="Deployed strength planned for this sector.")
    forward_depot: Id = Field(description="Node id of the sector's forward depot.")


class Capability(Sourced):
    """A unit type of the catalogue (battalion granularity) and how many must be deployed."""

    id: Id
    name: Text
    personnel_per_unit_pax: Annotated[int, Field(strict=True, gt=0, le=100_000)]
    required_units: UnitCount = Field(description="Units of this type deployed at all times.")
    equipment_t_per_unit: NonNegFloat = Field(
        default=0.0, description="Tonnes of equipment moved with the unit (rail or road)."
    )
    consumption_modifiers: dict[Id, PosFloat] = Field(
        default_factory=dict,
        description="Multiplier on kg/person/day by supply class id (absent = 1).",
    )
    scarce: StrictBool = Field(
        default=False, description="Limited by national inventories (air defence, aviation, ...)."
    )
    cost_per_unit_year: NonNegFloat = Field(
        default=1.0, description="Relative cost of keeping one unit deployed for a year."
    )


class Force(Sourced):
    """The deployed force: target strength, sectors, capability mix and start state."""

    target_deployed_pax: PosPax
    sectors: tuple[Sector, ...] = Field(min_length=1)
    capabilities: tuple[Capability, ...] = Field(min_length=1)
    initial_state: InitialState = InitialState.from_home
    sector_allocation: dict[Id, dict[Id, UnitCount]] = Field(
        default_factory=dict,
        description=(
            "Optional units per sector by capability; when absent, each capability is spread "
            "over sectors in proportion to their troops."
        ),
    )


# ---------------------------------------------------------------------------------------------
# Nations.
# ---------------------------------------------------------------------------------------------


class Nation(Sourced):
    """A possible contributor: data from nations.csv, overridable inline."""

    code: NationCode
    name: Text
    willingness: Willingness
    participates: StrictBool = Field(
        default=True, description="Whether the scenario lets this nation contribute at all."
    )
    land_forces_pax: NonNegInt
    active_personnel_pax: NonNegInt = 0
    population: NonNegInt
    gdp_usd: NonNegFloat
    defence_spending_usd: NonNegFloat = 0.0
    home_node: Id | None = Field(
        default=None, description="Node its units and supplies leave from."
    )
    tour_days: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=1)] | None = None
    dwell_ratio: NonNegFloat | None = None
    overlap_days: NonNegFloat | None = None
    home_defence_floor: Fraction | None = Field(
        default=None, description="Share of land forces that must stay home (overrides default)."
    )
    max_deployed_pax: NonNegInt | None = None
    min_deployed_pax: NonNegInt | None = None
    max_units: dict[Id, NonNegInt] = Field(default_factory=dict)
    min_units: dict[Id, NonNegInt] = Field(default_factory=dict)
    inventory_units: dict[Id, NonNegInt] = Field(
        default_factory=dict, description="Units of scarce capabilities the nation owns in all."
    )


# ---------------------------------------------------------------------------------------------
# Rotation.
# ---------------------------------------------------------------------------------------------


class Rotation(Sourced):
    """Tour, dwell and relief-in-place rules (per-nation values override these)."""

    tour_days: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=1)] = Field(
        description="Days a unit spends in theatre, overlap included (at least 1)."
    )
    dwell_ratio: NonNegFloat = Field(description="Days at home per day deployed (1:r).")
    overlap_days: NonNegFloat = Field(default=0.0, description="Relief-in-place handover.")
    no_relief_policy: NoReliefPolicy = NoReliefPolicy.extend_then_gap
    max_extension_days: NonNegFloat = 0.0
    fall_in_on_equipment: StrictBool = Field(
        default=False, description="Reliefs take over equipment in theatre; only personnel move."
    )
    personnel_mode: Mode = Mode.air
    personnel_by_airlift: StrictBool = Field(
        default=False,
        description=(
            "Troops' air legs are flown by the air fleets' aircraft (sorties limited by fleet "
            "size, payload_pax and the air hubs' MOG), by ground when the fleet is short."
        ),
    )
    equipment_mode: Mode = Mode.rail
    home_defence_floor: Fraction = Field(
        default=0.5, description="Share of each nation's land forces that stays home."
    )
    readiness_spread_days: NonNegFloat = Field(
        default=0.0, description="Initial deployment: departures spread evenly over these days."
    )


# ---------------------------------------------------------------------------------------------
# Lines of communication.
# ---------------------------------------------------------------------------------------------


class Node(Sourced):
    """A place on the lines of communication where movements queue, are handled or stored."""

    id: Id
    name: Text
    kind: NodeKind
    country: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")]
    lat: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180)]
    servers: PosUnitCount = Field(
        default=1, description="Parallel handling lines (tracks, gates, parking stands)."
    )
    handling_days: Dist = Field(
        default=FixedDist(value=0.0),
        description="Time one movement (train, convoy, sortie) occupies a server.",
    )
    max_on_ground: PosUnitCount | None = Field(
        default=None,
        description="Air hubs: MOG, aircraft that may wait or be handled; more are diverted.",
    )
    storage_t: NonNegFloat | None = Field(default=None, description="Storage capacity, tonnes.")
    throughput_t_per_day: PosFloat | None = Field(
        default=None, description="Cited tonnage capacity, kept to check servers x payload."
    )


class Link(Sourced):
    """A leg between two nodes by one mode."""

    id: Id
    from_node: Id
    to_node: Id
    mode: Mode
    distance_km: PosFloat
    speed_kph: PosFloat
    transit_variation: Dist = Field(
        default=FixedDist(value=1.0),
        description="Multiplier on distance/speed (mean 1 keeps the planning time).",
    )
    bidirectional: StrictBool = True


class BackgroundLoad(Sourced):
    """Traffic that is not the force's (Ukraine's military aid and civil trade) at shared nodes.

    ``share`` of each target's handling capacity is taken by that traffic, sampled once per
    replication and the same at every target; the force gets the rest (its handling takes
    ``1 / (1 - share)`` times as long). Targets default to every crossing and yard: nodes of
    kind transshipment, road_crossing, rail_crossing, port and rail_hub.
    """

    share: Dist = Field(description="Share of capacity taken by others (0-1; capped at 0.95).")
    targets: tuple[Id, ...] = Field(
        default=(), description="Nodes it applies to; empty: every crossing and yard."
    )


class Network(Sourced):
    """The lines of communication: nodes and links."""

    nodes: tuple[Node, ...] = Field(min_length=1)
    links: tuple[Link, ...] = Field(default=())
    background_load: BackgroundLoad | None = Field(
        default=None,
        description="Others' traffic at crossings and yards (none: all is the force's).",
    )


# ---------------------------------------------------------------------------------------------
# Sustainment.
# ---------------------------------------------------------------------------------------------


class SupplyClass(Sourced):
    """A class of supply with its consumption per person per day by posture."""

    id: Id
    name: Text
    kg_per_pax_day: dict[Posture, NonNegFloat]
    factor_ids: dict[Posture, tuple[Id, ...]] = Field(
        default_factory=dict,
        description="planning_factors.csv rows summed to give kg_per_pax_day.",
    )
    moved: StrictBool = Field(
        default=True, description="False when sourced in theatre (water, for example)."
    )


class StockPolicy(Sourced):
    """Forward depot stock policy in days of supply: reorder point and order-up-to level.

    Without ``initial_days_of_supply`` each depot starts at its order-up-to level for the force
    of its sector: full, as a policy that fits the force would leave it.
    """

    initial_days_of_supply: NonNegFloat = Field(
        default=None,  # type: ignore[assignment]  # filled from order_up_to_days below
        description="Stock each depot starts with (default: order_up_to_days).",
    )
    reorder_point_days: NonNegFloat
    order_up_to_days: PosFloat = Field(
        description="Below the reorder point, the position is brought up to this level "
        "(ignored under a fixed order quantity)."
    )
    order_quantity_days: PosFloat | None = Field(
        default=None,
        description="(r, nQ) policy: below the reorder point, order the smallest whole "
        "number of lots of this many days of supply that brings the position to the reorder "
        "point or above (none = order up to order_up_to_days).",
    )

    @model_validator(mode="before")
    @classmethod
    def _start_full(cls, data: Any) -> Any:
        """A policy without an initial level starts at its order-up-to level."""
        missing = isinstance(data, dict) and data.get("initial_days_of_supply") is None
        if missing and "order_up_to_days" in data:
            return {**data, "initial_days_of_supply": data["order_up_to_days"]}
        return data


class Fleet(Sourced):
    """A finite transport fleet: trains, truck convoys or aircraft; one entity per movement."""

    id: Id
    mode: Mode
    count: Annotated[int, Field(strict=True, gt=0, le=100_000)] = Field(
        description="Trains, convoys or aircraft available."
    )
    payload_t: PosFloat = Field(description="Tonnes one train, convoy or sortie carries.")
    payload_pax: NonNegInt = Field(default=0, description="Troops one movement carries.")
    load_days: Dist = Field(default=FixedDist(value=0.0))
    unload_days: Dist = Field(default=FixedDist(value=0.0))
    speed_kph: PosFloat
    base_node: Id = Field(description="Where it loads (rear hub, port, air base).")
    serves: tuple[Id, ...] = Field(
        default=(), description="Forward depots it delivers to; empty = all reachable."
    )
    us_enabler: StrictBool = Field(
        default=False, description="Present only when the US airlift switch is on."
    )


class Sustainment(Sourced):
    """Demand by class of supply, stock policy and the fleets that resupply the depots."""

    posture: Posture = Posture.low
    supply_classes: tuple[SupplyClass, ...] = Field(min_length=1)
    demand_variation: Dist = Field(
        default=FixedDist(value=1.0), description="Daily multiplier on demand (mean 1)."
    )
    demand_lot_days: PosFloat | None = Field(
        default=None,
        description="When set, a day's draw of a class is a whole number of lots of this many "
        "days of its rate, Poisson with mean variation / demand_lot_days (requisitions "
        "arriving at random); none = the rate times the variation.",
    )
    stock_policy: StockPolicy
    source_lead_time_days: Dist = Field(
        default=FixedDist(value=0.0), description="National source to rear hub."
    )
    fleets: tuple[Fleet, ...] = Field(default=())
    enabled: StrictBool = True


# ---------------------------------------------------------------------------------------------
# Disruptions and seasons.
# ---------------------------------------------------------------------------------------------


class ScheduledStrike(Sourced):
    """A strike on a node or link on a given day."""

    target: Id
    start_day: NonNegFloat
    duration_days: Dist
    capacity_factor: Fraction = Field(description="Capacity left while damaged (0 = closed).")
    stock_destroyed_share: Fraction = Field(
        default=0.0, description="Share of the stock held at the target node destroyed."
    )


class RandomStrikes(Sourced):
    """Strikes arriving as a Poisson process on a set of targets."""

    targets: tuple[Id, ...] = Field(min_length=1)
    rate_per_year: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=3650)] = Field(
        description="Strikes per year with US air defence on (at most ten a day)."
    )
    duration_days: Dist
    capacity_factor: Fraction
    stock_destroyed_share: Fraction = Field(
        default=0.0, description="Share of the stock held at the struck node destroyed."
    )
    sabotage: StrictBool = Field(
        default=False,
        description="Sabotage in the rear: US air defence changes neither its rate nor its damage.",
    )
    enabled: StrictBool = Field(
        default=True, description="Off: drawn (so other groups keep their strikes) but not applied."
    )


class Season(Sourced):
    """A recurring period when a mode's capacity is reduced (mud, winter)."""

    name: Text
    start_day_of_year: Annotated[int, Field(strict=True, ge=1, le=366)]
    end_day_of_year: Annotated[int, Field(strict=True, ge=1, le=366)]
    modes: tuple[Mode, ...] = Field(min_length=1)
    capacity_factor: Fraction


class Disruptions(Sourced):
    """Interdiction and seasonal effects on the lines of communication."""

    scheduled: tuple[ScheduledStrike, ...] = ()
    random: tuple[RandomStrikes, ...] = ()
    seasons: tuple[Season, ...] = ()
    in_transit_policy: InTransitPolicy = InTransitPolicy.wait


# ---------------------------------------------------------------------------------------------
# US enablers.
# ---------------------------------------------------------------------------------------------


class AirDefence(Sourced):
    """US air and missile defence: fewer and lighter strikes when on."""

    enabled: StrictBool = True
    strike_rate_factor_when_off: PosFloat = Field(
        default=1.0, description="Multiplier on random strike rates without US air defence."
    )
    capacity_loss_factor_when_off: PosFloat = Field(
        default=1.0, description="Multiplier on (1 - capacity_factor) of a strike, capped at 1."
    )


class Isr(Sourced):
    """US intelligence, surveillance and reconnaissance: longer warning before an attack."""

    enabled: StrictBool = True
    warning_days_on: Dist = Field(default=FixedDist(value=0.0))
    warning_days_off: Dist = Field(default=FixedDist(value=0.0))


class Airlift(Sourced):
    """US strategic airlift: fleets marked ``us_enabler`` exist only when on."""

    enabled: StrictBool = True


class UsEnablers(Sourced):
    """The three US switches of the question: air defence, ISR, airlift."""

    air_defence: AirDefence = AirDefence()
    isr: Isr = Isr()
    airlift: Airlift = Airlift()


# ---------------------------------------------------------------------------------------------
# Reinforcement.
# ---------------------------------------------------------------------------------------------


class UnitsRequired(Frozen):
    """Units of one capability."""

    capability: Id
    units: PosUnitCount


class ReadinessTier(Sourced):
    """Forces at a notice to move (NATO Force Model spirit): a share of each pool."""

    name: Text
    notice_to_move_days: Dist
    share_of_pool: Fraction


class DesignatedReserve(Sourced):
    """Units a nation holds at home for this plan, outside its rotation pools, at a notice.

    A designated high-readiness reserve: they never rotate, go first when the plan is alerted,
    and count toward its closure (not toward the nation's deployed strength).
    """

    nation: NationCode
    capability: Id
    units: PosInt
    notice_to_move_days: Dist = Field(description="Notice to move of each unit (days).")


class ReinforcementPlan(Sourced):
    """A threatened sector needs units within a target number of days after the trigger."""

    id: Id
    sector: Id
    trigger_day: Dist = Field(description="Day the cease-fire breaks (fixed or random).")
    required: tuple[UnitsRequired, ...] = Field(min_length=1)
    target_days: PosFloat
    closure_share: Fraction = 1.0
    priority: ReinforcementPriority = ReinforcementPriority.shared
    recall_from_dwell: StrictBool = False
    theatre_reserve: tuple[UnitsRequired, ...] = ()
    designated_reserve: tuple[DesignatedReserve, ...] = Field(
        default=(),
        description="Units held at home for this plan out of the rotation (sent first).",
    )


class Reinforcement(Sourced):
    """Readiness tiers and the reinforcement plans of a scenario."""

    tiers: tuple[ReadinessTier, ...] = ()
    plans: tuple[ReinforcementPlan, ...] = ()


# ---------------------------------------------------------------------------------------------
# Burden sharing.
# ---------------------------------------------------------------------------------------------


class BurdenSharing(Sourced):
    """Settings of the optimiser: fairness key and objective."""

    fairness_key: FairnessKey = FairnessKey.gdp
    key_weights: dict[FairnessKey, NonNegFloat] = Field(
        default_factory=dict, description="Weights of the mix key."
    )
    objective: Objective = Objective.lexicographic
    cost_tolerance: NonNegFloat = Field(
        default=0.05,
        description=(
            "Lexicographic (fairness first, then cost): the largest excess over fair share may "
            "exceed its minimum by this share of it, to lower the cost."
        ),
    )
    time_limit_s: PosFloat = 30.0
    eligible_willingness: tuple[Willingness, ...] = (
        Willingness.lead,
        Willingness.willing,
        Willingness.open_conditional,
    )


# ---------------------------------------------------------------------------------------------
# Criteria and experiment settings.
# ---------------------------------------------------------------------------------------------


class Criterion(Sourced):
    """A feasibility criterion: a summary metric compared with a threshold."""

    name: Text
    metric: Id
    comparison: Comparison
    threshold: Float | None = Field(
        default=None,
        description="The value the metric is compared with; derived from "
        "threshold_share_of_target when that is given.",
    )
    threshold_share_of_target: PosFloat | None = Field(
        default=None,
        description="The threshold as a share of force.target_deployed_pax, so that it follows "
        "the force when the fielded force is smaller than the one asked (for a strength metric).",
    )
    explanation: Text = ""

    def at_target(self, target_pax: int) -> Criterion:
        """This criterion with a share-of-target threshold stated for ``target_pax`` troops."""
        if self.threshold_share_of_target is None:
            return self
        return self.model_copy(update={"threshold": self.threshold_share_of_target * target_pax})


class Experiment(Frozen):
    """How many replications, from which seed, and which days count as warm-up."""

    replications: Annotated[int, Field(strict=True, gt=0, le=100_000)] = 30
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] = 1
    warmup_days: NonNegFloat = 0.0
    confidence: Annotated[float, Field(strict=True, ge=0.5, le=0.999)] = Field(
        default=0.95, description="Of every confidence interval; 0.5 to 0.999."
    )


class DataTables(Frozen):
    """Reference tables this scenario draws from, relative to the scenario file."""

    nations: Text | None = None
    planning_factors: Text | None = None
    force_factors: Text | None = None
    lines_of_communication: Text | None = None
    sources: Text | None = None


class Scenario(Sourced):
    """One study: the force, the nations, the network, and how it is sustained and judged."""

    name: Id
    description: Text = ""
    start_date: Annotated[dt.date, Field(strict=False)]
    horizon_days: Annotated[int, Field(strict=True, gt=0, le=MAX_HORIZON_DAYS)]
    data: DataTables = DataTables()
    force: Force
    nations: tuple[Nation, ...] = Field(min_length=1)
    rotation: Rotation
    network: Network
    sustainment: Sustainment
    disruptions: Disruptions = Disruptions()
    us_enablers: UsEnablers = UsEnablers()
    reinforcement: Reinforcement = Reinforcement()
    burden_sharing: BurdenSharing = BurdenSharing()
    criteria: tuple[Criterion, ...] = ()
    experiment: Experiment = Experiment()

    @model_validator(mode="after")
    def _thresholds_follow_target(self) -> Scenario:
        """A share-of-target threshold is stated in troops for this scenario's own target."""
        target = self.force.target_deployed_pax
        stated = tuple(c.at_target(target) for c in self.criteria)
        if stated != self.criteria:
            object.__setattr__(self, "criteria", stated)  # frozen: derived once, at validation
        return self

    def capability(self, capability_id: str) -> Capability:
        """The catalogue entry with this id."""
        return next(c for c in self.force.capabilities if c.id == capability_id)

    def nation(self, code: str) -> Nation:
        """The nation with this ISO 3166 alpha-3 code."""
        return next(n for n in self.nations if n.code == code)

    def node(self, node_id: str) -> Node:
        """The network node with this id."""
        return next(n for n in self.network.nodes if n.id == node_id)


def rotation_of(scenario: Scenario, nation: Nation) -> tuple[float, float, float]:
    """Tour, dwell ratio and overlap (days, ratio, days) in force for a nation."""
    rot = scenario.rotation
    return (
        nation.tour_days if nation.tour_days is not None else rot.tour_days,
        nation.dwell_ratio if nation.dwell_ratio is not None else rot.dwell_ratio,
        nation.overlap_days if nation.overlap_days is not None else rot.overlap_days,
    )
