"""The data: the contract every table follows, reading and checking files, the loaded data set and the view filters.

`load_sample` and `load_path` read the synthetic hospital or a hospital's own file through the same checks;
`Dataset` holds the parsed tables and where they came from; `Filters` picks wards and months for every view.
The contract itself (`TABLES`) is also written out as the template workbook and the data dictionary.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".contract": ("ASPECTS", "INCIDENT_COUNTS", "RESPONDENTS", "TABLES", "Field", "Table"),
        ".dataset": ("SAMPLE_DIR", "Dataset", "load_sample"),
        ".filters": ("Filters",),
        ".loader": ("PROBLEM_COLUMNS", "LoadResult", "load_files", "load_path", "load_upload"),
        ".reference": ("builtin_measures", "default_instrument"),
        ".template": ("dictionary_csv", "dictionary_markdown", "template_workbook"),
    },
)
