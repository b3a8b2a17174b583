"""The command line, `python -m analysis COMMAND`: every answer the app gives, reproducible from a script.

The entry is `analysis.cli.main.main` (a list of arguments in, the exit code out); it is not re-exported
here because `analysis.cli.main` is its module. `build_parser` is the parser and `load_data` reads the data
set that `--data` or `--store` names.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".common": ("load_data",),
        ".main": ("build_parser",),
    },
)
