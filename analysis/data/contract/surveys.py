"""The survey tables: co-production returns and scores, the instruments' items, and returns of other
instruments."""

from __future__ import annotations

from analysis.data.contract.fields import MONTH, WARD_ID, Field, Table, _count
from analysis.data.contract.vocabulary import ASPECTS, RESPONDENTS

COPRODUCTION_RESPONSES = Table(
    "coproduction_responses",
    "Co-production survey returns",
    "One row per anonymous survey return, with one column per item of the instrument.",
    (
        Field(
            "response_id",
            "id",
            "An anonymous reference for the return, unique. Never a patient identifier.",
            example="R00001",
        ),
        WARD_ID,
        Field("date", "date", "Date the return was completed.", example="15/04/2024", happened=True),
        Field("respondent", "choice", "Who completed it.", choices=RESPONDENTS, example="patient"),
    ),
    key=("response_id",),
    item_columns=True,
)

COPRODUCTION_SCORES = Table(
    "coproduction_scores",
    "Co-production scores",
    "For sites that score the survey elsewhere: one row per ward, month and respondent group, "
    "with a 0 to 100 score for each core aspect.",
    (
        WARD_ID,
        MONTH,
        Field("respondent", "choice", "Whose view the scores summarise.", choices=RESPONDENTS, example="staff"),
        *(
            Field(a, "number", f"{label}: score from 0 to 100.", nullable=True, minimum=0, maximum=100, example="55")
            for a, label in ASPECTS.items()
        ),
        _count("n_returns", "How many survey returns the scores summarise."),
    ),
    key=("ward_id", "month", "respondent"),
)

INSTRUMENT = Table(
    "instrument",
    "Survey instruments",
    "One row per survey item: the instrument it belongs to, its subscale (a core aspect for the co-production "
    "instrument), its scale and whether it is reverse-keyed. Rows with a blank instrument are the co-production "
    "instrument, as before. When absent, the product's default working instrument is used; the EssenCES "
    "structure (essences) and the staff boundaries instrument (staff_boundaries) are built in, and rows "
    "naming one of them replace the built-in definition.",
    (
        Field("item", "id", "The item's column name in the survey returns, unique across instruments.", example="le1"),
        Field(
            "instrument",
            "text",
            "The instrument's short name (coproduction, essences, staff_boundaries, or your own). Blank: the "
            "co-production instrument.",
            required=False,
            nullable=True,
            example="coproduction",
        ),
        Field(
            "aspect",
            "choice",
            "The core aspect of co-production the item measures (co-production items only; blank for others).",
            required=False,
            nullable=True,
            choices=tuple(ASPECTS),
            example="lived_experience",
            checks_note="every co-production item needs one",
        ),
        Field(
            "subscale",
            "text",
            "The subscale the item belongs to, any name (other instruments; blank for co-production items).",
            required=False,
            nullable=True,
            example="experienced_safety",
            checks_note="a scored item of another instrument in no subscale is an error",
        ),
        Field(
            "respondents",
            "choice",
            "Who the instrument is for. Blank: both.",
            required=False,
            nullable=True,
            choices=("patient", "staff", "both"),
            example="both",
        ),
        Field("reverse", "flag", "Yes when agreeing means less of what the subscale measures.", example="no"),
        Field("scale_min", "number", "Lowest answer on the item's scale.", example="1"),
        Field("scale_max", "number", "Highest answer on the item's scale.", example="5"),
        Field(
            "scored",
            "flag",
            "No for a filler item that is asked but not scored. Blank: yes.",
            required=False,
            nullable=True,
            example="yes",
        ),
        Field(
            "scoring",
            "choice",
            "How a subscale is scored: the mean of its items, or their sum (pro-rated over answered items). "
            "Blank: mean. The same on every row of an instrument.",
            required=False,
            nullable=True,
            choices=("mean", "sum"),
            example="mean",
        ),
        Field(
            "min_share_answered",
            "number",
            "The share of a subscale's items a return must answer for the subscale to be scored. Blank: 0.5.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1,
            example="0.5",
        ),
        Field(
            "higher_is_better",
            "flag",
            "Yes when a higher subscale score is better (after reverse keys). Blank: yes.",
            required=False,
            nullable=True,
            example="yes",
        ),
        Field(
            "wording",
            "text",
            "The item as the respondent reads it (blank where the wording is licensed).",
            required=False,
            nullable=True,
            example="Staff listen to my experience.",
        ),
    ),
    key=("item",),
)

SURVEY_RETURNS = Table(
    "survey_returns",
    "Survey returns (other instruments)",
    "Returns of any instrument other than co-production (EssenCES, the staff boundaries survey, your own): "
    "one row per answer, so each return is several rows sharing its response_id. Co-production returns stay "
    "in coproduction_responses.",
    (
        Field(
            "response_id",
            "id",
            "An anonymous reference for the return, the same on each of its rows. Never a patient identifier.",
            example="S00001",
        ),
        WARD_ID,
        Field("date", "date", "Date the return was completed.", example="15/04/2024", happened=True),
        Field("respondent", "choice", "Who completed it.", choices=RESPONDENTS, example="staff"),
        Field("instrument", "text", "The instrument's short name.", example="essences"),
        Field("item", "id", "The item answered, as the instrument names it.", example="ess_es1"),
        Field(
            "answer",
            "number",
            "The answer on the item's scale.",
            nullable=True,
            example="3",
            checks_note="outside the item's scale is an error",
        ),
    ),
    key=("response_id", "item"),
)
