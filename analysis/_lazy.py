"""Lazy re-exports for package ``__init__`` files: a public name is imported on first use, not at import.

Most of analysis/ needs pandas, scipy or statsmodels; a package that imported its modules eagerly would make
``import analysis.<package>`` (and the app's cold start) pay for all of them. Each package lists its public
names instead, by the module that defines them, and lets `lazy_exports` build the PEP 562 hooks::

    __all__, __getattr__, __dir__ = lazy_exports(__name__, {".dataset": ("Dataset", "load_sample")})

Nothing here imports anything heavy. A name that is not listed raises AttributeError, as for any module, so
``hasattr``, ``from package import submodule`` and doctest collection behave as usual.
"""

from __future__ import annotations

import sys
from importlib import import_module

TYPE_CHECKING = False  # typing itself costs milliseconds at start-up; its names are for readers and checkers
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for `package`, which re-exports names lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to iterable of str
        Module (relative to `package` when it starts with a dot, else absolute) -> the names it defines
        that `package` re-exports. A name may be listed once only.

    Returns
    -------
    tuple
        ``(__all__, __getattr__, __dir__)``: the sorted public names; a module ``__getattr__`` that imports
        a listed name's module on first use (the value is then kept in the package's namespace, so later
        look-ups are plain attribute reads) and raises AttributeError for anything else; and a ``__dir__``
        listing the package's own names and every public one.
    """
    where: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is exported from both {where[name]} and {module}")
            where[name] = module

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return sorted(where), __getattr__, __dir__
