"""The synthetic hospital's EssenCES returns (patients and staff) and staff boundaries survey: survey_returns.

Drawn from its OWN seeded generator (the hospital's seed and `SEED_OFFSET`), after every other table, so adding
it moved no number of the existing sample. Every second quarter (waves in the quarter's second month, from the
first quarter) each ward has 4 to 7 patient and 5 to 8 staff EssenCES returns and 5 to 8 staff boundaries returns.

Known truths (written to truth.json under ``instrument_returns``). The ward's CLOSENESS is its TRUE patient-rated
reduced social distance that quarter (the co-production latent plus the reduced-social-distance aspect offset,
0 to 100: the level the co-production returns are drawn around); each expected subscale score is
intercept + effect x (closeness - 50) / 10 + the ward's own constant offset (`WARD_SD`). In particular
closeness LOWERS staff experienced safety by `EFFECTS["essences_staff_experienced_safety"]` points (0 to 20
sum) per 10 points, while patients feel a little safer, and lowers staff confidence with boundaries.

An item answer aims at the item target (subscale target / items for a sum, the target itself for a mean) plus
the return's own offset (`RESPONDENT_SD`, shared by the subscale's items) plus item noise (`ITEM_SD`), kept
within the scale, then rounded stochastically (floor(x + U), U uniform) so that its expected value is the aim
exactly: rounding adds noise but no bias (only the rare aims beyond the scale's ends are pulled in).
Reverse-keyed items are written as the respondent would tick them (turned round). 3% of answers are blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.instrument_items import SETTINGS, boundaries_items, essences_items

ESSENCES, BOUNDARIES = "essences", "staff_boundaries"


@dataclass(frozen=True)
class _Spec:
    """What the draw needs of a built-in instrument: its name, items table and scoring rule."""

    name: str
    items: pd.DataFrame
    scoring: str

    @property
    def subscales(self) -> list[str]:
        return list(pd.unique(self.items.loc[self.items["scored"], "subscale"]))

    def items_of(self, subscale: str) -> list[str]:
        it = self.items
        return it.loc[it["scored"] & (it["subscale"] == subscale), "item"].tolist()


SEED_OFFSET = 14_0002  # SeedSequence([hospital seed, SEED_OFFSET])
REFERENCE = 50.0  # closeness where the intercepts apply
WAVE_EVERY = 2  # quarters between waves
ITEM_NONRESPONSE = 0.03
WARD_SD = {"essences": 0.8, "staff_boundaries": 0.08}  # ward's constant offset on the subscale's own scale
RESPONDENT_SD = {"essences": 0.6, "staff_boundaries": 0.6}  # a return's own offset per item, item scale
ITEM_SD = 0.3  # each answer's own noise before rounding, item scale
RETURNS = {  # (instrument, respondent): (fewest, most) returns per ward and wave
    (ESSENCES, "patient"): (4, 7),
    (ESSENCES, "staff"): (5, 8),
    (BOUNDARIES, "staff"): (5, 8),
}
# (instrument, respondent, subscale) -> expected score at closeness 50, and change per 10 points of closeness
INTERCEPTS = {
    "essences_patient_therapeutic_hold": 11.0,
    "essences_staff_therapeutic_hold": 13.0,
    "essences_patient_patients_cohesion": 10.0,
    "essences_staff_patients_cohesion": 10.0,
    "essences_patient_experienced_safety": 11.0,
    "essences_staff_experienced_safety": 12.0,
    "staff_boundaries_staff_professional_boundaries": 3.6,
}
EFFECTS = {
    "essences_patient_therapeutic_hold": 1.0,
    "essences_staff_therapeutic_hold": 1.0,
    "essences_patient_patients_cohesion": 0.6,
    "essences_staff_patients_cohesion": 0.6,
    "essences_patient_experienced_safety": 0.5,
    "essences_staff_experienced_safety": -1.2,
    "staff_boundaries_staff_professional_boundaries": -0.15,
}


def _key(inst: str, who: str, sub: str) -> str:
    return f"{inst}_{who}_{sub}"


def _answers(
    rng: np.random.Generator, inst: _Spec, who: str, closeness: np.ndarray, ward_off: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One row per return (closeness and ward offsets given per return), one column per item, as ticked."""
    n = len(closeness)
    out = {}
    family = "essences" if inst.name == ESSENCES else "staff_boundaries"
    for row in inst.items.itertuples(index=False):
        lo, hi = float(row.scale_min), float(row.scale_max)
        if not row.scored:
            out[row.item] = lo + rng.binomial(int(hi - lo), 0.5, n)
            continue
    for sub in inst.subscales:
        items = inst.items_of(sub)
        k = _key(inst.name, who, sub)
        target = INTERCEPTS[k] + EFFECTS[k] * (closeness - REFERENCE) / 10.0 + ward_off[sub]
        per_item = target / len(items) if inst.scoring == "sum" else target
        own = rng.normal(0.0, RESPONDENT_SD[family], n)
        for item in items:
            r = inst.items.set_index("item").loc[item]
            lo, hi = float(r["scale_min"]), float(r["scale_max"])
            aim = np.clip(per_item + own + rng.normal(0.0, ITEM_SD, n), lo, hi)
            keyed = np.minimum(np.floor(aim + rng.random(n)), hi)
            out[item] = (lo + hi - keyed) if bool(r["reverse"]) else keyed
    ordered = [str(i) for i in inst.items["item"]]
    return pd.DataFrame({i: np.asarray(out[i], dtype=float) for i in ordered})


def instrument_returns(
    seed: int, tables: dict[str, pd.DataFrame], latent: pd.DataFrame, rsd_offset: float
) -> tuple[pd.DataFrame, dict]:
    """survey_returns (contract columns, loader dtypes, long: one row per answer) and its truths.

    `latent` is the hospital's true co-production per ward-month; `rsd_offset` the design's offset of the
    reduced-social-distance aspect (closeness = coproduction_true + rsd_offset).
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SEED_OFFSET]))
    lat = latent.sort_values(["ward_id", "month"], kind="stable")
    months = pd.DatetimeIndex(sorted(lat["month"].unique()))
    quarters = months[::3]
    waves = quarters[::WAVE_EVERY] + pd.DateOffset(months=1)
    waves = waves[waves <= months.max()]
    wards = sorted(lat["ward_id"].unique())
    instruments = {
        ESSENCES: _Spec(ESSENCES, essences_items(), SETTINGS[ESSENCES][1]),
        BOUNDARIES: _Spec(BOUNDARIES, boundaries_items(), SETTINGS[BOUNDARIES][1]),
    }
    ward_off = {
        name: {s: rng.normal(0.0, WARD_SD[name], len(wards)) for s in inst.subscales}
        for name, inst in instruments.items()
    }
    close = lat.set_index(["ward_id", "month"])["coproduction_true"] + rsd_offset
    parts = []
    for (name, who), (few, most) in RETURNS.items():
        inst = instruments[name]
        n = rng.integers(few, most + 1, (len(wards), len(waves)))
        w = np.repeat(np.arange(len(wards)), n.sum(axis=1))
        v = np.concatenate([np.repeat(np.arange(len(waves)), n[i]) for i in range(len(wards))])
        c = close.loc[list(zip(np.array(wards)[w], waves[v]))].to_numpy(float)
        offs = {s: ward_off[name][s][w] for s in inst.subscales}
        ans = _answers(rng, inst, who, c, offs)
        ans = ans.mask(rng.random(ans.shape) < ITEM_NONRESPONSE)
        day = rng.integers(0, 28, len(w))
        meta = pd.DataFrame(
            {
                "ward_id": np.array(wards)[w],
                "date": waves[v] + pd.to_timedelta(day, unit="D"),
                "respondent": who,
                "instrument": name,
            }
        )
        parts.append(pd.concat([meta, ans], axis=1))
    wide = pd.concat(parts, ignore_index=True)
    order = np.lexsort(
        (
            wide["respondent"].to_numpy(),
            wide["instrument"].to_numpy(),
            wide["date"].to_numpy(),
            wide["ward_id"].to_numpy(),
        )
    )
    wide = wide.iloc[order].reset_index(drop=True)
    wide["response_id"] = [f"S{i + 1:05d}" for i in range(len(wide))]
    ids = ["response_id", "ward_id", "date", "respondent", "instrument"]
    long = wide.melt(id_vars=ids, var_name="item", value_name="answer").dropna(subset=["answer"])
    pos = {str(i): k for inst in instruments.values() for k, i in enumerate(inst.items["item"])}
    long = long.assign(_p=long["item"].map(pos)).sort_values(["response_id", "_p"], kind="stable")
    long = long.drop(columns="_p").reset_index(drop=True)
    long["date"] = pd.to_datetime(long["date"]).astype("datetime64[ns]")
    long["answer"] = long["answer"].astype(float)
    truth = {
        "description": (
            "EssenCES (patients and staff) and the staff boundaries survey, in survey_returns. Closeness is the "
            "ward's TRUE patient-rated reduced social distance that quarter (0 to 100). Each expected subscale "
            "score is intercept + effect x (closeness - 50) / 10 + the ward's own constant offset; EssenCES "
            "subscales are sums (0 to 20), the boundaries scale a mean (1 to 5). Reverse keys as the built-in "
            "instruments; fillers answered at random."
        ),
        "closeness": "coproduction_true + the reduced_social_distance aspect offset (patient-rated, 0 to 100)",
        "effects_per_10_points_closeness": EFFECTS,
        "intercepts_at_closeness_50": INTERCEPTS,
        "ward_sd": WARD_SD,
        "respondent_sd_per_item": RESPONDENT_SD,
        "item_sd": ITEM_SD,
        "wave_months": [t.strftime("%Y-%m") for t in waves],
        "item_nonresponse": ITEM_NONRESPONSE,
        "seed_offset": SEED_OFFSET,
    }
    return long[["response_id", "ward_id", "date", "respondent", "instrument", "item", "answer"]], truth
