"""The pack's sections: the three questions, talking groups, the ward table and the model results.

Every sentence comes from a result; every table is protected in its section's module (counts under the disclosure
rule) before it is put in a Section, so the renderers and the spreadsheet writers only ever see safe tables.
Charts show rates and scores, with hover boxes emptied of counts (`quiet_figure`); a chart drawn from counts
(the monthly assaults chart) is drawn from the counts as published under the rule, for every audience.

Each group of sections is built in its own module: the three questions in `analysis.pack.sections_questions`,
the ward table in `analysis.pack.sections_wards`, talking groups in `analysis.pack.sections_talking_groups`,
the model results in `analysis.pack.sections_results`, and what they share in `analysis.pack.sections_common`.
This module gathers them: every name is imported from here as before.
"""

from __future__ import annotations

from analysis.pack.sections_common import (
    COUNT_HEADERS,
    FROM_PUBLISHED,
    MAX_CAVEATS,
    PUBLISHED,
    RATE,
    SHORT_RATE,
    WINDOW_COUNTS,
    _caveats,
    _figure,
    _ward,
    _with_figure,
    fit_labels,
    log,
    over,
)
from analysis.pack.sections_questions import (
    GAP_NOTE,
    MAX_GAP_SHARE,
    TOO_MANY_GAPS,
    _q1_chart,
    _q2_chart,
    _q3_chart,
    protected_monthly,
    question_section,
)
from analysis.pack.sections_results import _fmt, model_details, results_section
from analysis.pack.sections_talking_groups import (
    TG_AFTER,
    TG_BEFORE,
    talking_groups_practice_section,
    talking_groups_section,
    talking_groups_table,
)
from analysis.pack.sections_wards import _score, selection_table, ward_sentences, ward_tables, wards_section

__all__ = [
    "COUNT_HEADERS",
    "FROM_PUBLISHED",
    "GAP_NOTE",
    "MAX_CAVEATS",
    "MAX_GAP_SHARE",
    "PUBLISHED",
    "RATE",
    "SHORT_RATE",
    "TG_AFTER",
    "TG_BEFORE",
    "TOO_MANY_GAPS",
    "WINDOW_COUNTS",
    "_caveats",
    "_figure",
    "_fmt",
    "_q1_chart",
    "_q2_chart",
    "_q3_chart",
    "_score",
    "_ward",
    "_with_figure",
    "fit_labels",
    "log",
    "model_details",
    "over",
    "protected_monthly",
    "question_section",
    "results_section",
    "selection_table",
    "talking_groups_practice_section",
    "talking_groups_section",
    "talking_groups_table",
    "ward_sentences",
    "ward_tables",
    "wards_section",
]
