"""The analysis library behind the co-production dashboard: every number the app shows, from a script.

``import analysis`` is instant: each name below imports its module (and pandas, statsmodels ...) on first use.

A researcher's path through it:

* data: `load_sample` (the synthetic hospital) or `load_path` (a workbook, CSV, zip or folder), a `Dataset`,
  and `Filters` for wards and months;
* the ward-month panel every model is fitted on: `build_panel`;
* the questions: `answer_q1` and `group_differences` (can co-production exist?), `fit_counts` and
  `fit_all_incidents` (assaults on staff), `fit_recovery` and `answer_q3` (recovery), `its_pooled` and
  `its_ward` (talking groups), each returning a `ModelResult`; `three_answers` gives the Overview's answers;
* SPC charts: `xmr` or `u_chart`, then `classify`;
* disclosure control: `RULES`, `rule_from_name`, `DisclosureRule`, `protect_table`;
* the steering group pack: `build_pack`, `export_pack`; a saved model spec: `parse_spec`, `run_spec`;
* the store of imported data: `Store`; the synthetic hospital: `generate`, `write_sample`.

Each package (`analysis.data`, `analysis.spc`, ...) lists more in its own ``__all__``.

Examples
--------
>>> import analysis
>>> data = analysis.load_sample()
>>> panel = analysis.build_panel(data.tables)
>>> panel["ward_id"].nunique()
12
"""

from analysis._lazy import lazy_exports

_EXPORTS, _lazy_getattr, _lazy_dir = lazy_exports(
    __name__,
    {
        ".data": ("Dataset", "Filters", "LoadResult", "load_path", "load_sample"),
        ".disclosure": (
            "RULES",
            "DisclosureError",
            "DisclosureRule",
            "ProtectedTable",
            "protect_table",
            "rule_from_name",
        ),
        ".overview": ("Answer", "Overview", "three_answers"),
        ".pack": ("build_pack", "export_pack"),
        ".panel": ("build_panel",),
        ".questions": (
            "SpecError",
            "answer_q1",
            "answer_q3",
            "fit_recovery",
            "group_differences",
            "its_pooled",
            "its_ward",
            "parse_spec",
            "run_spec",
        ),
        ".sample": ("SampleHospital", "write_sample"),
        ".sample.generate": ("generate",),
        ".spc": ("classify", "rebase_dates", "u_chart", "xmr"),
        ".stats": ("Headline", "ModelResult", "fit_all_incidents", "fit_counts"),
        ".store": ("Store", "StoreError"),
        ".wards": ("ward_profile",),
    },
)
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name == "__version__":  # the version every export is stamped with (pyproject's, plus the git commit)
        from analysis.pack.render.document import version

        globals()["__version__"] = value = version()
        return value
    return _lazy_getattr(name)


def __dir__() -> list[str]:
    return sorted({*_lazy_dir(), "__version__"})
