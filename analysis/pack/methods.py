"""The pack's one page of methods and caveats in plain English, built from what was actually run."""

from __future__ import annotations

from analysis.data.reference import INSTRUMENT_STATUS
from analysis.disclosure.rules import DisclosureRule
from analysis.pack.protect import rule_title
from analysis.spc.rules import RUN_LENGTH, run_length_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, ModelResult
from analysis.text import plural

MODEL_WORDS = (  # first match wins: the kind of model in plain words
    ("negative binomial", "a negative binomial regression, a model for counts that allows for extra ups and downs"),
    ("poisson", "a Poisson regression, a model for counts"),
    ("mixed", "a linear mixed model, which allows for each ward's own usual level"),
    ("t-interval", "an average of the wards' averages"),
    ("linear regression", "a linear regression"),
)


def _method(result: ModelResult | None) -> str:
    """The kind of model in plain words; the exact method is in the pack's model details table."""
    if result is None or not result.method or result.method == "not fitted":
        return "not fitted for this selection"
    text = result.method.lower()
    words = next((w for key, w in MODEL_WORDS if key in text), "a statistical model")
    if "cluster-robust" in text:
        words += ", with uncertainty that allows for repeated months on the same ward"
    return words


def methods_text(
    results: dict[str, ModelResult | None],
    rule: DisclosureRule,
    external: bool,
    carry_forward_months: int,
    window_label: str = "",
    measure: str | None = None,
    run_length: int = RUN_LENGTH,
    window_months: int = 12,
) -> list[str]:
    """Paragraphs: the data, each question's method, the ward table, talking groups, disclosure, caveats."""
    measure = measure or "the main recovery measure"
    paras = [
        (
            "Data. Ward-level monthly totals only (occupied bed days, incidents, talking-group sessions and "
            "attendances), ward co-production survey scores on 0 to 100 and ward mean recovery scores. Nothing "
            "here describes a single patient or member of staff. Rates are per 1,000 occupied bed days. "
            f"A survey's scores stand for up to {carry_forward_months} months after it (the carry-forward rule)."
        ),
        (
            "Question 1 (can co-production exist?): the average of each ward's patient-rated co-production score, "
            "with a 95% confidence interval across wards, and each ward's band on its latest survey "
            f"({_method(results.get('q1'))}). {INSTRUMENT_STATUS}"
        ),
        (
            "Question 2 (assaults on staff): compares each ward with itself, months when its co-production score "
            "was above its usual level against months when it was below, so differences between wards (size, "
            "patients, security) do not drive the answer. The result is a rate ratio per 10-point rise "
            f"({_method(results.get('q2'))})."
        ),
        (
            f"Question 3 (recovery): the same within-ward comparison for {measure} scores, per 10-point rise in "
            f"co-production ({_method(results.get('q3'))})."
        ),
        (
            "Talking groups: an interrupted time series across wards (a before-and-after comparison over time), "
            "first for the primary outcome, co-production as patients rate it, then for assaults on staff. "
            "Wards started at different times, so each "
            "ward's months after its start are compared with the same calendar months on wards that had not "
            f"started yet ({_method(results.get('talking_groups'))})."
        ),
        (
            "Ward table: Making Data Count statistical process control. Each ward's recent months are compared "
            "with its own usual range; 'No significant change' means only ordinary ups and downs. Assault rates "
            f"cover {'the last' if window_months >= 12 else 'all'} {plural(window_months, 'month')} of the selection"
            f"{f' ({window_label})' if window_label else ''}; limits are "
            "recalculated when talking groups or another planned change began. " + run_length_words(run_length)
        ),
        (
            f"Disclosure control: the {rule_title(rule)} rule. {rule.description} Rates are shown as '*' when the "
            "count behind them is hidden, and are otherwise worked out from the published (rounded) count. Charts "
            "show rates and scores only, rates drawn from the published counts; their hover boxes carry no counts. Inside the dashboard, trusted staff see "
            "the full numbers; everything exported, including this pack, is protected."
        ),
    ]
    if external:
        paras.append(
            "Wards are shown as codes (Ward A, Ward B, ...) for an external audience; the key stays "
            "inside the organisation. Codes follow every ward in the data, not the selection, so a ward "
            "has the same code in every pack made from the same data. In a small hospital a ward's service, security level or start "
            "date may still point to it: check before sharing."
        )
    paras.append("The 'Model results (for researchers)' section names every model's exact method and formula.")
    paras.append(
        f"Caveats. {OBSERVATIONAL_CAVEAT} Wards chose when to start talking groups and how to run them. "
        "Few wards means wide uncertainty; a confidence interval that includes no change is not "
        "evidence of no effect. The co-production survey is a working instrument, not a validated scale."
    )
    return paras
