"""Compare wards fairly: each ward's incident rate against its occupied bed days, on a funnel plot.

A ward with few bed days has a rate that jumps about by chance; a funnel's limits are wide there and narrow
for a ward with many. The limits and the over-dispersion allowance are computed in `analysis.spc.funnel`
(Spiegelhalter 2005; Spiegelhalter et al 2012); here are the wards' totals over the period in view, the
peer groups (all wards, the same service, the same security level), each ward's place against its peers'
limits, and the words: a sentence for the page, the table of wards outside the limits, and the method.

What leaves the app (`positions_download`, `protected_positions`): each ward's bed days, its count and rate
under the small-number rule, and where it lies, left blank wherever its count is hidden. The limits, the peer
groups' rates and phi stay on screen: with a peer group's exact rate and phi, a hidden count could be worked
out from the counts that are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.disclosure.protect import protect_table
from analysis.disclosure.rules import DisclosureError, DisclosureRule
from analysis.disclosure.safe_tables import to_csv_bytes
from analysis.spc.funnel import LIMIT_COLUMNS, POSITIONS, FunnelLimits, classify_units, funnel_limits
from analysis.stats.counts.describe import outcome_words
from analysis.text import fixed, fmt_number, listed, plural, plural_word, rate_label

COMPARATORS = {
    "all": "All wards in view",
    "service": "Wards of the same service",
    "security_level": "Wards of the same security level",
}
OVERDISPERSION_LABELS = {
    "multiplicative": "Widen by a factor (phi)",
    "additive": "Add the spread between wards (tau²)",
    "none": "Do not widen (exact Poisson limits)",
}
MIN_WARDS = 3  # a peer group needs at least this many wards for a funnel
FEW_WARDS = 10  # below this many wards, phi and tau² are rough estimates
PER = 1000.0
RATE = "rate_per_1000_obd"
UNSTATED = {"service": "service not recorded", "security_level": "security level not recorded"}
POSITION_WORDS = {
    "above 99.8%": "above the 99.8% limit",
    "above 95%": "above the 95% limit",
    "within": "within the limits",
    "below 95%": "below the 95% limit",
    "below 99.8%": "below the 99.8% limit",
}
WITHHELD = "position"  # the download column that goes with its ward's count


def ward_totals(panel: pd.DataFrame, outcome: str, exposure: str = "occupied_bed_days") -> pd.DataFrame:
    """One row per ward over the months in `panel`: ward_id, ward_label, service, security_level, months,
    count and occupied_bed_days (months with both figures and some bed days only); wards with none left out."""
    cols = ["ward_id", "ward_label", "service", "security_level", "months", "count", "occupied_bed_days"]
    if panel.empty or outcome not in panel or exposure not in panel:
        return pd.DataFrame(columns=cols)
    d = panel[panel[outcome].notna() & panel[exposure].notna() & (panel[exposure] > 0)]
    if d.empty:
        return pd.DataFrame(columns=cols)
    names = d["ward_name"].fillna("").astype(str) if "ward_name" in d else pd.Series("", index=d.index)
    d = d.assign(
        ward_label=(d["ward_id"].astype(str) + " " + names).str.strip(),
        **{k: d[k].fillna(v).astype(str) if k in d else v for k, v in UNSTATED.items()},
    )
    out = d.groupby("ward_id", as_index=False, sort=True).agg(
        ward_label=("ward_label", "first"),
        service=("service", "first"),
        security_level=("security_level", "first"),
        months=(outcome, "size"),
        count=(outcome, "sum"),
        occupied_bed_days=(exposure, "sum"),
    )
    out["count"] = out["count"].round().astype(int)
    return out[cols]


def group_name(comparator: str, value: str) -> str:
    """The words for a peer group: 'all wards in view', 'admission wards', 'high-security wards'."""
    if comparator == "all":
        return "all wards in view"
    if value in UNSTATED.values():
        return f"wards whose {value}"
    return f"{value}-security wards" if comparator == "security_level" else f"{value} wards"


def _peers(comparator: str, value: str) -> str:
    """'wards', 'admission wards', 'high-security wards': who a ward is compared with, in a sentence."""
    if comparator == "all" or value in UNSTATED.values():
        return "wards"
    return group_name(comparator, value)


@dataclass(frozen=True)
class WardFunnel:
    """Every ward against the limits of its peer group, and each peer group's funnel."""

    outcome: str
    comparator: str  # a key of COMPARATORS
    overdispersion: str  # "multiplicative", "additive" or "none"
    wards: pd.DataFrame  # ward_totals + peer_group, rate, expected, z, z_adjusted, the limits, position, meaning
    groups: dict[str, FunnelLimits] = field(default_factory=dict)  # peer group value -> its funnel
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # wards in groups too small to compare

    @property
    def ok(self) -> bool:
        return bool(self.groups)

    @property
    def noun(self) -> str:
        return outcome_words(self.outcome)


def compare_wards(
    panel: pd.DataFrame,
    outcome: str = "assaults_on_staff",
    comparator: str = "all",
    overdispersion: str = "multiplicative",
    exposure: str = "occupied_bed_days",
) -> WardFunnel:
    """Each ward's rate per 1,000 occupied bed days against the funnel of its peer group.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (analysis.panel.build), already cut to the wards and months in view.
    outcome : str
        The incident count (assaults_on_staff by default).
    comparator : {"all", "service", "security_level"}
        Who a ward is compared with: every ward in view, or the wards of its own service or security level.
    overdispersion : {"multiplicative", "additive", "none"}
        How the limits are widened when wards differ more than chance allows (analysis.spc.funnel).

    Returns
    -------
    WardFunnel
        ``wards``: one row per ward compared (ward_id, ward_label, service, security_level, months, count,
        occupied_bed_days, peer_group, rate, expected, z, z_adjusted, lower_998, lower_95, upper_95, upper_998,
        position, meaning); ``groups``: each peer group's FunnelLimits; ``left_out``: wards whose group has
        fewer than MIN_WARDS wards (ward_id, ward_label, peer_group, reason).

    Examples
    --------
    >>> from analysis import build_panel, load_sample
    >>> f = compare_wards(build_panel(load_sample().tables))
    >>> len(f.wards), round(f.groups["all"].target, 2), f.groups["all"].widened
    (12, 3.96, True)
    """
    if comparator not in COMPARATORS:
        raise ValueError(f"comparator must be one of {', '.join(COMPARATORS)}, not {comparator!r}.")
    totals = ward_totals(panel, outcome, exposure)
    totals["peer_group"] = "all" if comparator == "all" else totals[comparator]
    noun = outcome_words(outcome)
    frames, groups, left = [], {}, []
    for value, g in totals.groupby("peer_group", sort=True):
        if len(g) < MIN_WARDS:
            reason = (
                f"only {plural(len(g), 'ward')} in {group_name(comparator, value)} "
                f"(at least {MIN_WARDS} are needed to compare)"
            )
            left.append(g[["ward_id", "ward_label", "peer_group"]].assign(reason=reason))
            continue
        limits = funnel_limits(g["count"], g["occupied_bed_days"], PER, overdispersion)
        groups[str(value)] = limits
        c = classify_units(g, limits, count="count", exposure="occupied_bed_days")
        peers = _peers(comparator, str(value))
        c["meaning"] = [
            meaning(lab, pos, noun, peers, limits.target > 0) for lab, pos in zip(c["ward_label"], c["position"])
        ]
        frames.append(c)
    columns = [*totals.columns, "rate", "expected", "z", "z_adjusted", *LIMIT_COLUMNS, "position", "meaning"]
    wards = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    left_out = (
        pd.concat(left, ignore_index=True)
        if left
        else pd.DataFrame(columns=["ward_id", "ward_label", "peer_group", "reason"])
    )
    return WardFunnel(outcome, comparator, overdispersion, wards[columns], groups, left_out)


def meaning(ward: str, position: str, noun: str, peers: str = "wards", any_events: bool = True) -> str:
    """What a ward's place on the funnel means, in a sentence a ward manager can repeat.

    >>> meaning("W05 Harris", "above 99.8%", "assaults on staff")
    'W05 Harris is above the 99.8% limit: more assaults on staff than wards of its size usually have.'
    """
    if not any_events:
        return f"{ward}: no {noun} on any of these wards in this period, so there is nothing to compare."
    where = POSITION_WORDS[position]
    if position == "within":
        return f"{ward} is {where}: about as many {noun} as {peers} of its size usually have."
    side = "more" if position.startswith("above") else "fewer"
    text = f"{ward} is {where}: {side} {noun} than {peers} of its size usually have."
    if position.endswith("95%"):
        text += " Chance alone puts about 1 ward in 40 this side of the 95% limit, so it may be chance."
    return text


def outside(funnel: WardFunnel) -> pd.DataFrame:
    """The wards outside their limits, the furthest out first: ward, compared with, rate, peer group's rate (as
    text, two decimals), what it means (the on-screen table)."""
    w = funnel.wards[funnel.wards["position"] != "within"]
    order = {p: i for i, p in enumerate(POSITIONS)}
    w = w.assign(_order=w["position"].map(order), _z=-w["z_adjusted"].abs()).sort_values(["_order", "_z"])
    target = {k: v.target for k, v in funnel.groups.items()}
    return pd.DataFrame(
        {
            "ward": w["ward_label"],
            "compared with": [group_name(funnel.comparator, g) for g in w["peer_group"]],
            f"rate {rate_label()}": [fmt_number(x, 2) for x in w["rate"]],
            "peer group's rate": [fmt_number(target[g], 2) for g in w["peer_group"]],
            "what it means": w["meaning"],
        }
    ).reset_index(drop=True)


def every_ward(funnel: WardFunnel) -> pd.DataFrame:
    """Every ward compared, with its limits and z-scores (on screen, for researchers)."""
    w = funnel.wards
    return pd.DataFrame(
        {
            "ward": w["ward_label"],
            "compared with": [group_name(funnel.comparator, g) for g in w["peer_group"]],
            "months": w["months"],
            "count": w["count"],
            "occupied bed days": w["occupied_bed_days"],
            f"rate {rate_label()}": w["rate"].round(2),
            "expected count": w["expected"].round(1),
            "z-score": w["z"].round(2),
            "z-score allowing for over-dispersion": w["z_adjusted"].round(2),
            "99.8% lower": w["lower_998"].round(2),
            "95% lower": w["lower_95"].round(2),
            "95% upper": w["upper_95"].round(2),
            "99.8% upper": w["upper_998"].round(2),
            "where": w["position"].map(POSITION_WORDS),
        }
    )


def chart_points(funnel: WardFunnel, group: str) -> pd.DataFrame:
    """The wards of one peer group as the chart draws them: ward_id, ward_label, occupied_bed_days, count,
    rate_per_1000_obd, position. These (with the count and rate under the small-number rule) are the chart's
    downloadable data; the limits are not, as they with the peer group's rate could give back a hidden count."""
    w = funnel.wards[funnel.wards["peer_group"].astype(str) == str(group)]
    return w[["ward_id", "ward_label", "occupied_bed_days", "count", "rate", "position"]].rename(columns={"rate": RATE})


def chart_data(points: pd.DataFrame) -> pd.DataFrame:
    """The chart's "Show the data" table and its download: the points without their positions (a position can
    narrow down a hidden count; `positions_download` carries them, blanked where a count is hidden)."""
    return points.drop(columns=["position"]).assign(**{RATE: points[RATE].round(2)})


def funnel_curve(funnel: WardFunnel, group: str, n: int = 200) -> pd.DataFrame:
    """The group's limits and target over a span of bed days a little wider than its wards' (for drawing)."""
    limits = funnel.groups[str(group)]
    bed_days = funnel.wards.loc[funnel.wards["peer_group"].astype(str) == str(group), "occupied_bed_days"]
    low, high = float(bed_days.min()), float(bed_days.max())
    return limits.curve(max(low * 0.8, 1.0), high * 1.1, n)


def method_words(limits: FunnelLimits) -> str:
    """How the limits were made, stated in a line (the chart's subtitle and the page's note)."""
    phi = fixed(limits.phi, 2)
    if limits.overdispersion == "none":
        return f"Exact Poisson limits, not widened (over-dispersion phi {phi}, for reference)."
    if not limits.widened:
        what = "phi is not above 1" if limits.overdispersion == "multiplicative" else "tau² is 0"
        return f"Exact Poisson limits: no widening needed ({what}; phi {phi})."
    if limits.overdispersion == "multiplicative":
        factor = fixed(float(np.sqrt(limits.phi)), 2)
        return f"Limits widened for over-dispersion: multiplicative, phi {phi} (limits {factor} times as wide)."
    return (
        f"Limits widened for over-dispersion: additive random effects, tau {fixed(limits.tau, 2)} "
        f"{rate_label()} (tau² {fixed(limits.tau2, 2)}; phi {phi})."
    )


def method_sentence(funnel: WardFunnel) -> str:
    """The method in words for the page: the limits, how they were widened and why."""
    if not funnel.ok:
        return ""
    first = (
        "The 95% and 99.8% limits show how far a ward's rate can sit from its peer group's rate by chance "
        "alone, given its bed days: wide for a ward with few bed days, narrow for one with many."
    )
    if funnel.overdispersion == "none":
        how = "They are exact Poisson limits, not widened: every difference beyond chance is flagged."
    elif funnel.overdispersion == "multiplicative":
        how = (
            "Wards differ for reasons a comparison cannot remove (patients, building, staffing), so when they "
            "differ more than chance allows (phi above 1), the limits are widened by the square root of phi "
            "(Spiegelhalter 2005): only wards unusual even allowing for that are flagged."
        )
    else:
        how = (
            "Wards differ for reasons a comparison cannot remove (patients, building, staffing), so the spread "
            "between wards (tau²) is added to chance variation (additive random effects, Spiegelhalter 2012): "
            "only wards unusual even allowing for that are flagged."
        )
    few = ""
    if any(v.n_units < FEW_WARDS for v in funnel.groups.values()) and funnel.overdispersion != "none":
        few = f" With fewer than {FEW_WARDS} wards in a group, how much wards truly differ is only roughly known."
    if funnel.comparator == "all":
        detail = method_words(next(iter(funnel.groups.values())))
    else:
        detail = " ".join(
            f"{group_name(funnel.comparator, g).capitalize()}: {_lower_first(method_words(v))}"
            for g, v in funnel.groups.items()
        )
    return f"{first} {how}{few} {detail}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def funnel_sentence(funnel: WardFunnel) -> str:
    """The answer first: how many wards lie above, below and within their limits, naming those outside.

    'Of 12 wards compared with all wards in view (4.07 assaults on staff per 1,000 occupied bed days), 2 have
    more than wards of their size usually have (W01 Iona above the 99.8% limit; ...), ... and 7 are within the
    limits.'"""
    if not funnel.ok:
        return (
            f"Not enough wards to compare: a funnel needs at least {MIN_WARDS} wards with occupied bed days "
            f"and {funnel.noun} counts in a group."
        )
    w = funnel.wards.sort_values("ward_id")
    if funnel.comparator == "all":
        target = next(iter(funnel.groups.values())).target
        against = f"compared with all wards in view ({fmt_number(target, 2)} {funnel.noun} {rate_label()})"
    else:
        against = f"each compared with {COMPARATORS[funnel.comparator].lower()}"
    n = len(w)
    parts = []
    for side, word in (("above", "more"), ("below", "fewer")):
        named = []
        for level in ("99.8%", "95%"):
            names = w.loc[w["position"] == f"{side} {level}", "ward_label"].tolist()
            if names:
                named.append(f"{listed(names, most=6)} {side} the {level} limit")
        k = int(w["position"].str.startswith(side).sum())
        if k:
            parts.append(
                f"{k} {plural_word(k, 'has', 'have')} {word} {funnel.noun} than wards of "
                f"{plural_word(k, 'its', 'their')} size usually have ({'; '.join(named)})"
            )
    inside = int((w["position"] == "within").sum())
    if not parts:
        return f"All {plural(n, 'ward')}, {against}, are within the limits: no ward stands out."
    parts.append(f"{inside} {plural_word(inside, 'is', 'are')} within the limits")
    text = f"Of {plural(n, 'ward')} {against}, " + (
        ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    )
    return text + "."


def positions_download(funnel: WardFunnel) -> pd.DataFrame:
    """Every ward compared as it may leave the app (before the small-number rule): ward_id, ward, compared_with,
    months, occupied_bed_days, count, rate_per_1000_obd, position. No limits, z-scores or peer-group rates:
    with those a hidden count could be worked out (see the module docstring)."""
    w = funnel.wards
    return pd.DataFrame(
        {
            "ward_id": w["ward_id"],
            "ward": w["ward_label"],
            "compared_with": [group_name(funnel.comparator, g) for g in w["peer_group"]],
            "months": w["months"],
            "occupied_bed_days": w["occupied_bed_days"],
            "count": w["count"],
            RATE: w["rate"].round(2),
            WITHHELD: w["position"].map(POSITION_WORDS),
        }
    )


def protected_positions(table: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """`positions_download` under the small-number rule: protect_table on the counts (rates recomputed or hidden
    with them), and each ward's position left blank where its count is hidden, since "above the limit" says how
    big a hidden count is. When no safe suppression exists, counts, rates and positions are all left out."""
    try:
        safe = protect_table(table, ["count"], rule, rate_columns={RATE: ("count", "occupied_bed_days", PER)})
    except DisclosureError:
        return table.drop(columns=["count", RATE, WITHHELD]).assign(note="counts withheld: too small to publish safely")
    out = safe.frame.copy()
    hidden = safe.suppressed_mask["count"].to_numpy(bool)
    out[WITHHELD] = out[WITHHELD].astype(object).where(~hidden, None)
    return out


def positions_csv(table: pd.DataFrame, rule: DisclosureRule, stamp: dict | None = None) -> bytes:
    """The bytes of the positions download: `protected_positions` with its stamp after it."""
    return to_csv_bytes(protected_positions(table, rule), stamp=stamp)
