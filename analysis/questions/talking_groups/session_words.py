"""The talking-group session log in words and tables for people: the answer, the overall sentence, the ward table.

`answer` says on how many wards most items were resolved by the next meeting and where staff attendance fell;
`overall_words` sums the wards in one sentence (from the published totals when a disclosure rule is given, so that
no hidden count can be worked back); `summary_for_people` and `ward_table` give `ward_summary`'s table with words
for its columns, UK dates and the counts its per-meeting figures are made from, and `WARD_TABLE_COUNTS` and
`WARD_TABLE_RATES` say which of its columns the small-number rule treats as counts and rates. The tables themselves
are worked out in analysis/questions/talking_groups/sessions.py, which re-exports these names.
"""

from __future__ import annotations

import pandas as pd

from analysis.text import fmt_number, listed, plural, plural_word, uk_month


def answer(summary: pd.DataFrame) -> str:
    """The plain answer: 'On 7 of 10 wards most items raised were resolved by the next meeting; staff attendance
    fell on 2 (Iona and Arran).' Wards are named by their names when the summary has them (`ward`)."""
    if summary is None or not len(summary):
        return "No talking group meetings are recorded in the session log for the wards and months in view."
    n = len(summary)
    most = int((summary["resolved_by_next_pct"] > 50).sum())
    named = summary["ward"] if "ward" in summary.columns else summary["ward_id"]  # the ward's name when known
    fell = named[summary["staff_attendance_fell"].astype(bool)].astype(str).tolist()
    lead = f"On {fmt_number(most)} of {plural(n, 'ward')} most items raised at a meeting were resolved by the next"
    if fell:
        staff = f"staff attendance fell on {fmt_number(len(fell))} ({listed(fell, most=5)})"
    elif n == 1:
        staff = "staff attendance did not fall there"
    else:
        staff = f"staff attendance fell on none of {plural_word(n, 'it', 'them')}"
    return f"{lead}; {staff}."


def overall_words(summary: pd.DataFrame, rule=None) -> str:
    """Across wards in one sentence: meetings, items per meeting, the share resolved and carried over. With a
    disclosure `rule` (for words that leave the app: the pack, the command line) the totals are the published
    ones: an unrounded total beside the published per-ward counts would give a hidden one back by subtraction."""
    if summary is None or not len(summary):
        return ""
    meetings_n = float(summary["meetings"].sum())
    raised = float(summary["items_raised"].sum())
    resolved = float((summary["resolved_by_next_pct"].fillna(0) * summary["items_raised"]).sum() / 100)
    carried = float((summary["carried_over_pct"].fillna(0) * summary["items_raised"]).sum() / 100)
    if rule is not None:
        return _overall_published(summary, meetings_n, raised, round(resolved), round(carried), rule)
    share = lambda x: fmt_number(100 * x / raised, 0) + "%" if raised else "no value"
    return (
        f"Across {plural(len(summary), 'ward')}, {plural(meetings_n, 'meeting')} raised "
        f"{fmt_number(raised / meetings_n, 1)} items each on average; {share(resolved)} of items were resolved by "
        f"the next meeting and {share(carried)} carried over to it (the next meeting came a median "
        f"{plural(float(summary['median_days_to_next'].median()), 'day')} later)."
    )


def _overall_published(summary: pd.DataFrame, meetings_n, raised, resolved, carried, rule) -> str:
    """`overall_words` from the totals as the rule publishes them (rounded, or hidden: then no figure)."""
    from analysis.disclosure.protect import protect_table
    from analysis.disclosure.rules import rule_from_name

    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    totals = pd.DataFrame(
        {"meetings": [meetings_n], "raised": [raised], "resolved": [resolved], "carried": [carried]}
    ).round()
    cols = list(totals.columns)  # totals over the selection: rounded to 5 under both presets, like the pack's
    shown = protect_table(totals, cols, rule, column_totals_known=False, selection_totals=cols).frame.iloc[0]
    hidden = lambda c: shown[c] == rule.symbol
    days = plural(float(summary["median_days_to_next"].median()), "day")
    wards = plural(len(summary), "ward")
    if hidden("meetings") or hidden("raised") or not float(shown["raised"]):
        return (
            f"Across {wards}, too few meetings or items to give their numbers outside the organisation (the next "
            f"meeting came a median {days} later)."
        )
    n, items = float(shown["meetings"]), float(shown["raised"])
    share = lambda c: (
        "a share too small to publish" if hidden(c) else fmt_number(100 * float(shown[c]) / items, 0) + "%"
    )
    return (
        f"Across {wards}, about {plural(n, 'meeting')} raised about {fmt_number(items / n, 1)} items each; "
        f"{share('resolved')} of items were resolved by the next meeting and {share('carried')} carried over to it "
        f"(the next meeting came a median {days} later)."
    )


def summary_for_people(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-ward table with words for its columns and UK dates."""
    if not len(summary):
        return summary
    out = pd.DataFrame({"Ward": summary.get("ward", summary["ward_id"])})
    out["Meetings"] = summary["meetings"]
    out["First"] = summary["first_meeting"].map(uk_month)
    out["Last"] = summary["last_meeting"].map(uk_month)
    out["Patients per meeting"] = summary["patients_per_meeting"].round(1)
    out["Staff per meeting"] = summary["staff_per_meeting"].round(1)
    out["Chaired by a patient (%)"] = summary["chaired_by_patient_pct"].round(0)
    out["Items per meeting"] = summary["items_per_meeting"].round(1)
    out["Resolved by the next meeting (%)"] = summary["resolved_by_next_pct"].round(0)
    out["Carried over (%)"] = summary["carried_over_pct"].round(0)
    out["Median days to the next meeting"] = summary["median_days_to_next"].round(0)
    out["Staff attendance fell"] = summary["staff_attendance_fell"].map({True: "yes", False: "no"})
    return out


# The per-ward table as it leaves the app: meetings, patient and staff attendances and items are counts (the
# small-number rule applies); the per-meeting figures are made from them.
WARD_TABLE_COUNTS = (
    "Meetings",
    "Patient attendances",
    "Staff attendances",
    "Items raised",
    "Items resolved",
    "Items carried over",
    "Meetings chaired by a patient",
)
WARD_TABLE_RATES = {
    "Patients per meeting": ("Patient attendances", "Meetings", 1),
    "Staff per meeting": ("Staff attendances", "Meetings", 1),
    "Items per meeting": ("Items raised", "Meetings", 1),
    # a percentage beside its denominator gives back its count: hidden with it, or made from the published ones
    "Resolved by the next meeting (%)": ("Items resolved", "Items raised", 100),
    "Carried over (%)": ("Items carried over", "Items raised", 100),
    "Chaired by a patient (%)": ("Meetings chaired by a patient", "Meetings", 100),
}


def ward_table(summary: pd.DataFrame) -> pd.DataFrame:
    """`summary_for_people` with the counts its per-meeting figures are made from (for the page, its download and
    the command line)."""
    out = summary_for_people(summary)
    if not len(out):
        return out
    out.insert(2, "Patient attendances", (summary["patients_per_meeting"] * summary["meetings"]).round())
    out.insert(3, "Staff attendances", (summary["staff_per_meeting"] * summary["meetings"]).round())
    out.insert(4, "Items raised", summary["items_raised"])
    pct = lambda c: (summary[c].fillna(0) * summary["items_raised"] / 100).round()
    out.insert(5, "Items resolved", pct("resolved_by_next_pct"))
    out.insert(6, "Items carried over", pct("carried_over_pct"))
    out.insert(
        7, "Meetings chaired by a patient", (summary["chaired_by_patient_pct"] * summary["meetings"] / 100).round()
    )
    return out
