"""The method words in plain English: one short glossary every page's "For researchers" section can reuse.

`GLOSSARY` maps a term to its meaning; `ALIASES` maps the other spellings found in the results' sentences
to a term; `terms_in(text)` picks the terms a text uses, in the glossary's order, so a page explains exactly
the words it shows.
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    "Rate ratio": (
        "How many times as many incidents: 0.78 means 22% fewer, 1.10 means 10% more, 1 means no difference. "
        "Here it is per 10-point rise in co-production."
    ),
    "95% confidence interval (CI)": (
        "The range the true figure probably lies in, given the data: the 'could be anywhere from ... to ...' "
        "on the answer cards. When it includes no change, the data cannot yet say which way the link goes."
    ),
    "p-value": (
        "How surprising the data would be if there were no link at all. Small values (under 0.05) are "
        "surprising; they say nothing about how large or important the link is."
    ),
    "Within-ward": (
        "Each ward compared with itself over time: months when a ward's co-production was above its own "
        "usual level against months when it was below. Fixed differences between wards (their patients, "
        "building, security) cannot explain a within-ward link. This is the closer answer to 'would raising "
        "co-production on a ward help?'."
    ),
    "Between-ward": (
        "Different wards compared with each other: wards with higher co-production on average against wards "
        "with lower. Wards also differ in case mix, staffing and security, so this is a weaker claim."
    ),
    "Observational data": (
        "Figures recorded in routine care, not from an experiment. They show links; other things that changed "
        "at the same time could explain them, so they are not proof that co-production causes the change."
    ),
    "Degrees of freedom": (
        "How much independent information an uncertainty figure rests on. With few wards it is small (here "
        "the number of wards minus one), and the intervals are made wider to be cautious."
    ),
    "t distribution": (
        "A bell curve with wider tails than the usual one, used when an interval rests on few wards: it widens "
        "the interval so that it is not over-confident."
    ),
    "F test": (
        "A test of whether several groups (services, security levels) could all have the same average. Its "
        "p-value is worked out allowing for how few wards each group has."
    ),
    "Satterthwaite degrees of freedom": (
        "A way of working out the degrees of freedom when wards differ in how many months they have: it "
        "keeps a test or an interval from being over-confident with few wards."
    ),
    "ICC (intraclass correlation)": (
        "How closely two sets of ward scores match (here patients' and staff's), from 0 (no relation) to 1 "
        "(identical). A big steady gap between them lowers it."
    ),
    "Limits of agreement": (
        "The range the staff-minus-patient gap falls in for most (95%) ward-quarters: how far apart the two "
        "views can be on any one ward at any one time."
    ),
    "Cronbach's alpha": (
        "Whether the items of one aspect hang together (people who agree with one tend to agree with the "
        "others), from 0 to 1; 0.70 or above is usually called acceptable. It does not prove the items measure "
        "what they are meant to."
    ),
    "Stepped-wedge comparison": (
        "Wards started talking groups at different times, so each month the wards that had started are "
        "compared with wards that had not started yet, in the same month: changes that hit the whole hospital "
        "at once do not count as an effect of talking groups."
    ),
    "Negative binomial model": (
        "A model for counts (assaults in a month) that allows months to vary more than chance alone would make them."
    ),
    "Poisson model": "A model for counts that assumes months vary only as much as chance alone would make them.",
    "Mixed model": (
        "A model that lets each ward have its own usual level (a 'random intercept'), so repeated months of "
        "one ward are not counted as independent evidence."
    ),
    "Cluster-robust errors": (
        "Uncertainty figures that allow for months of the same ward being alike, so a ward with many months "
        "does not look like many independent wards."
    ),
    "Occupied bed days": (
        "The number of beds filled, added up over the days of the month: the measure of how many patients a "
        "ward looked after. Rates per 1,000 occupied bed days compare wards of different sizes fairly."
    ),
    "Lite, mid and ultra": (
        "The range of co-production in the Reilly, Stewart and MacIntyre poster: 'lite' (people do small "
        "tasks; staff keep the power), 'mid' (patients are trained to manage their condition and take part "
        "in meetings), 'ultra' (power shared between patient and professional). On this dashboard they are "
        "bands of the 0 to 100 index: under 40, 40 to under 70, 70 or more (a convention of this product, not "
        "a validated cut-off)."
    ),
    "Working instrument, not validated": (
        "The co-production questionnaire was written for this product from the four core aspects of "
        "co-production; its reliability is reported from your own returns, but it has not been validated "
        "against other measures."
    ),
    "Special cause variation": (
        "In a statistical process control (SPC) chart, a month or a run of months outside what the usual "
        "ups and downs would explain: a point beyond the limits, or a long run on one side of the average."
    ),
    "Funnel limits": (
        "How far a ward's rate can sit from its peers' rate by chance alone, given its bed days (95%: 1 ward in "
        "20 outside by chance; 99.8%: 1 in 500)."
    ),
    "Over-dispersion": (
        "Wards differing more than chance allows. A funnel plot's limits can be widened for it, so that only "
        "wards that really stand out fall outside."
    ),
    "Quarterly measurement": (
        "A measure recorded once every three months: four a year. Counting measurements rather than calendar "
        "months says how many data points the answer rests on."
    ),
    # the recovery and ward-climate questionnaires named on the cards (a new user met them undecoded)
    "QPR-15": (
        "Questionnaire about the Process of Recovery, 15 items: patients rate their own recovery. Higher "
        "scores are better."
    ),
    "DUNDRUM-3 and DUNDRUM-4": (
        "Clinician-rated scales from the DUNDRUM toolkit for secure care: DUNDRUM-3 rates progress through "
        "treatment programmes, DUNDRUM-4 recovery. Lower scores are better (readier for less security)."
    ),
    "HoNOS-Secure": (
        "Health of the Nation Outcome Scales for secure services: clinicians rate a patient's problems and "
        "risks. Lower scores are better."
    ),
    "EssenCES": (
        "Essen Climate Evaluation Schema: patients and staff rate the ward's atmosphere, including how safe "
        "they feel (experienced safety, 0 to 20; higher is safer)."
    ),
}

ALIASES: dict[str, str] = {
    "rate ratio": "Rate ratio",
    "confidence interval": "95% confidence interval (CI)",
    "95% ci": "95% confidence interval (CI)",
    "p-value": "p-value",
    "p =": "p-value",
    "p <": "p-value",
    "within ward": "Within-ward",
    "within-ward": "Within-ward",
    "within wards": "Within-ward",
    "its own usual level": "Within-ward",
    "its usual level": "Within-ward",
    "between ward": "Between-ward",
    "between-ward": "Between-ward",
    "comparing wards with each other": "Between-ward",
    "observational": "Observational data",
    "degrees of freedom": "Degrees of freedom",
    "t distribution": "t distribution",
    "t-interval": "t distribution",
    "t(": "t distribution",
    "negative binomial": "Negative binomial model",
    "f test": "F test",
    "f(": "F test",
    "satterthwaite": "Satterthwaite degrees of freedom",
    "icc": "ICC (intraclass correlation)",
    "limits of agreement": "Limits of agreement",
    "cronbach": "Cronbach's alpha",
    "alpha": "Cronbach's alpha",
    "stepped-wedge": "Stepped-wedge comparison",
    "stepped wedge": "Stepped-wedge comparison",
    "not yet started": "Stepped-wedge comparison",
    "nb2": "Negative binomial model",
    "poisson": "Poisson model",
    "mixed model": "Mixed model",
    "random intercept": "Mixed model",
    "cluster-robust": "Cluster-robust errors",
    "allow for wards": "Cluster-robust errors",
    "occupied bed days": "Occupied bed days",
    "'lite'": "Lite, mid and ultra",
    "'mid'": "Lite, mid and ultra",
    "'ultra'": "Lite, mid and ultra",
    "seeds' range": "Lite, mid and ultra",
    "working instrument": "Working instrument, not validated",
    "special cause": "Special cause variation",
    "quarterly measurement": "Quarterly measurement",
    "funnel": "Funnel limits",
    "over-dispersion": "Over-dispersion",
    "overdispersion": "Over-dispersion",
    "qpr-15": "QPR-15",
    "qpr15": "QPR-15",
    "dundrum-3": "DUNDRUM-3 and DUNDRUM-4",
    "dundrum-4": "DUNDRUM-3 and DUNDRUM-4",
    "dundrum": "DUNDRUM-3 and DUNDRUM-4",
    "honos-secure": "HoNOS-Secure",
    "honos": "HoNOS-Secure",
    "essences": "EssenCES",
}


def _pattern(alias: str) -> re.Pattern:
    start = r"(?<![\w-])" if alias[0].isalnum() else ""
    end = r"(?![\w-])" if alias[-1].isalnum() else ""
    return re.compile(start + re.escape(alias) + end, re.IGNORECASE)


_PATTERNS = [(_pattern(a), term) for a, term in ALIASES.items()]


def terms_in(*texts: str) -> dict[str, str]:
    """The glossary entries (term -> meaning) whose words appear in any of `texts`, in the glossary's order."""
    joined = " ".join(t for t in texts if t)
    found = {term for pattern, term in _PATTERNS if pattern.search(joined)}
    return {term: meaning for term, meaning in GLOSSARY.items() if term in found}
