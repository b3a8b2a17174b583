"""What the assaults page shows beside its charts, worked out from the panel and the fitted results: the ward and
score choices, the tables on screen, and the short lines of words around them (no Streamlit here; the page reads
its widgets, calls these and renders).

The model's own words (the plain answer, the claims, the notes for researchers) are in `view`; the funnel's in
`funnel`; here is what the page derives from them and from the model's diagnostics.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.contract import MORE_IS_BETTER
from analysis.questions.assaults.funnel import WardFunnel, group_name
from analysis.questions.assaults.view import (
    PATIENT_SOCIAL_DISTANCE,
    STAFF_SOCIAL_DISTANCE,
    WHOLE_HOSPITAL,
    plain_answer,
)
from analysis.questions.glossary import terms_in
from analysis.stats.results import ModelResult
from analysis.text import literal, plural, plural_word, rate_label, uk_months

SPC_TABLE_COLUMNS = ["month", "count", "exposure", "rate", "centre", "lower", "upper", "variation", "rule"]
EXPECTED_COLUMNS = {
    "score": "co-production score",
    "basis": "reading",
    "rate_per_1000_obd": f"expected rate {rate_label()}",
    "ci_low": "95% CI from",
    "ci_high": "95% CI to",
}
SOCIAL_DISTANCE = ((PATIENT_SOCIAL_DISTANCE, "Patient-rated"), (STAFF_SOCIAL_DISTANCE, "Staff-rated"))
CAVEAT_START = " This is an association"  # where a model's sentence turns from its finding to the caveat


def better(outcome: str) -> str:
    """Which way is better for an incident count: 'higher' for the few the contract counts as good, else 'lower'."""
    return "higher" if outcome in MORE_IS_BETTER else "lower"


def ward_labels(panel: pd.DataFrame) -> dict[str, str]:
    """Ward id -> "W01 Iona" for every ward in the panel, made at once (a national panel has 1,000 wards and
    every run draws the list); the id alone when the ward has no name."""
    wards = panel.drop_duplicates("ward_id").set_index("ward_id")
    names = (wards.index.astype(str) + " " + wards["ward_name"].fillna("").astype(str)).str.strip()
    return dict(zip(wards.index, names))


def other_predictors(predictors: dict[str, str], quick: dict[str, str]) -> dict[str, str]:
    """The scores offered under 'Another score': those with data that are not among the quick choices."""
    return {p: label for p, label in predictors.items() if p not in quick}


def model_lines(result: ModelResult) -> str:
    """The model, method, formula and data behind a count model, as markdown for researchers."""
    return (
        f"**Model:** {literal(result.family)}. **Method:** {literal(result.method.rstrip('.'))}.  \n"
        f"**Formula:** `{result.formula}`  \n"
        f"**Data:** {plural(result.n_wards, 'ward')}, {plural(result.n_obs, 'observation')}."
    )


def words_used(result: ModelResult, notes: list[str]) -> str:
    """A markdown list of the glossary's words that the researchers' notes, the method and the plain answer use
    (and the funnel's over-dispersion, which the page also shows), each with its meaning."""
    used = terms_in(*notes, result.method, result.family, plain_answer(result), "funnel over-dispersion")
    return "\n".join(f"- **{literal(term)}:** {literal(meaning)}" for term, meaning in used.items())


def score_range(panel: pd.DataFrame, predictor: str) -> tuple[float, float]:
    """The lowest and highest score of `predictor` seen in the panel."""
    s = pd.to_numeric(panel[predictor], errors="coerce").dropna()
    return s.min(), s.max()


def scores_seen(seen: tuple[float, float]) -> str:
    """'Scores seen in these data run from 31 to 78.'"""
    return f"Scores seen in these data run from {seen[0]:.0f} to {seen[1]:.0f}."


def extrapolation_note(low: float, high: float, seen: tuple[float, float]) -> str:
    """The warning when a chosen score lies outside the scores seen, '' when both lie inside."""
    if low < seen[0] or high > seen[1]:
        return (
            f"A chosen score lies outside the scores seen ({seen[0]:.0f} to {seen[1]:.0f}): "
            "that expected rate is an extrapolation."
        )
    return ""


def expected_table(expected: pd.DataFrame) -> pd.DataFrame:
    """The expected rates (`view.expected_at`) as the page's table: two decimals, columns in words."""
    return expected.round(2).rename(columns=EXPECTED_COLUMNS)


def ward_choices(points: pd.DataFrame) -> dict[str, str]:
    """Ward id -> label of the wards among the scatter's points (a ward's months share its name)."""
    named = points[["ward_id", "ward_label"]].drop_duplicates()
    return {str(w): str(lab) for w, lab in zip(named["ward_id"], named["ward_label"])}


def spc_ward_options(labels: dict[str, str]) -> dict[str, str]:
    """The chart over time's choices: the whole hospital first, then each ward."""
    return {WHOLE_HOSPITAL: "Whole hospital (wards in view)", **labels}


def spc_start(options: dict[str, str], chosen: list[str] | tuple[str, ...]) -> int:
    """Where the ward choice starts: the one ward the filters chose, else the whole hospital."""
    return list(options).index(chosen[0]) if len(chosen) == 1 and chosen[0] in options else 0


def spc_labels(noun: str, ward_name: str) -> tuple[str, str]:
    """(title, y-axis label) of the chart over time: 'Assaults on staff per 1,000 occupied bed days: W01 Iona'."""
    return f"{noun.capitalize()} {rate_label()}: {ward_name}", f"Rate {rate_label()}"


def spc_table(classified: pd.DataFrame) -> pd.DataFrame:
    """The chart over time's data table: UK months, the count, bed days, rate, limits and classification."""
    shown = classified.assign(month=uk_months(classified["period"]))[SPC_TABLE_COLUMNS]
    shown.attrs = {}  # chart settings (timestamps) that the table view cannot serialise
    return shown.rename(columns={"exposure": "occupied_bed_days"})


def social_distance_options(predictors: dict[str, str]) -> dict[str, str]:
    """'Patient-rated' / 'Staff-rated' -> the reduced social distance score, for the ratings with data."""
    return {label: p for p, label in SOCIAL_DISTANCE if p in predictors}


def finding(result: ModelResult) -> str:
    """A model's sentence without its closing caveat (said once elsewhere on the page)."""
    return result.sentence.split(CAVEAT_START)[0]


def model_comparison(comparison: dict) -> pd.DataFrame:
    """Poisson against negative binomial: AIC and log-likelihood of each (a count model's `comparison`)."""
    return pd.DataFrame(
        [
            {"model": "Poisson", "AIC": comparison["aic_poisson"], "log-likelihood": comparison["llf_poisson"]},
            {
                "model": "Negative binomial",
                "AIC": comparison["aic_negbin"],
                "log-likelihood": comparison["llf_negbin"],
            },
        ]
    )


def dispersion_words(dispersion: dict) -> str:
    """'Over-dispersion: alpha 0.123, Pearson ratio 1.45, likelihood-ratio statistic 12.3 (...).'"""
    d = dispersion
    return (
        f"Over-dispersion: alpha {d['alpha']:.3f}, Pearson ratio {d['pearson_ratio']:.2f}, "
        f"likelihood-ratio statistic {d['lr_statistic']:.1f} ({d['test']})."
    )


def residual_tables(by_ward: pd.DataFrame, by_month: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The residual charts' tables: three decimals, the months as UK months."""
    return by_ward.round(3), by_month.assign(month=uk_months(by_month["month"])).round(3)


OUTSIDE_SHOWN = 25  # rows of the wards-outside-the-limits table on screen (a national panel has hundreds)


def outside_on_screen(table: pd.DataFrame, shown: int = OUTSIDE_SHOWN) -> tuple[pd.DataFrame, str]:
    """The wards outside their limits (`outside`) as the page shows them: the `shown` furthest out, indexed by
    ward, and when there are more, the line that says so ('' otherwise)."""
    more = len(table) - shown
    note = ""
    if more > 0:
        note = (
            f"The {shown} furthest out are shown; {plural(more, 'more ward')} "
            f"{plural_word(more, 'is', 'are')} outside {plural_word(more, 'its', 'their')} limits "
            "(every ward is in the table for researchers below)."
        )
    return table.head(shown).set_index("ward"), note


def left_out_words(funnel: WardFunnel) -> list[str]:
    """One line per ward not compared (its peer group too small): 'W13 Uist is not compared: <reason>.'"""
    return [f"{r.ward_label} is not compared: {r.reason}." for r in funnel.left_out.itertuples(index=False)]


def group_choices(funnel: WardFunnel) -> dict[str, str]:
    """Peer group -> its name with how many wards it has ('Admission wards (3 wards)'), in the funnel's order:
    the choice of which group's funnel to draw."""
    sizes = funnel.wards.groupby("peer_group").size()
    return {
        g: f"{group_name(funnel.comparator, g).capitalize()} ({plural(int(sizes[g]), 'ward')})" for g in funnel.groups
    }
