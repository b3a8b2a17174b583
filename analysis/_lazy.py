"""Lazy re-exports for package ``__init__`` files: a public name is imported on first use, not at import.

Most of analysis/ needs pandas, scipy or statsmodels; a package that imported its modules eagerly would make
``import analysis.<package>`` (and the app's cold start) pay for all of them. Each package lists its public
names instead, by the module that defines them, and lets `lazy_exports` build the PEP 562 hooks::

    __all__, __getattr__, __dir__ = lazy_exports(__name__, {".dataset": ("Dataset", "load_sample")})

Nothing here imports anything heavy. A name that is not listed raises AttributeError, as for any module, so
``hasattr``, ``from package import submodule`` and doctest collection behave as usual.

A module that needs scipy or statsmodels only inside its functions names them with `lazy_module` and
`lazy_attr` after its imports instead of importing them at the top::

    stats = lazy_module("scipy.stats")  # was: from scipy import stats
    OLS = lazy_attr("statsmodels.regression.linear_model", "OLS")  # was: from statsmodels... import OLS

so that importing it (and drawing a page from answers kept on disk, `analysis.data.kept`) does not import them:
scipy.stats alone takes about a second to import, statsmodels half a second. The library is imported on the
first use of the name; the code that uses it reads the same.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType

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


class _LazyModule(ModuleType):
    """A stand-in for a module that imports it on first attribute access, then forwards every access to it."""

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__.get("_lazy_real")
        if real is None:
            real = import_module(self.__name__)
            self.__dict__["_lazy_real"] = real
        return getattr(real, attr)

    def __dir__(self) -> list[str]:
        return dir(import_module(self.__name__))

    def __repr__(self) -> str:
        return f"<lazy module {self.__name__!r}>"


def lazy_module(name: str) -> ModuleType:
    """Module `name` (absolute, for example ``"scipy.stats"``), imported when one of its attributes is first read.

    >>> stats = lazy_module("statistics")
    >>> stats.median([3, 1, 2])
    2
    """
    return _LazyModule(name)


class _LazyAttr:
    """A stand-in for a module's attribute (a function, a class to call, an object such as scipy.stats.poisson):
    calling it or reading its attributes imports the module first."""

    __slots__ = ("_module", "_name", "_real")

    def __init__(self, module: str, name: str) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_real", None)

    def _get(self) -> Any:
        real = object.__getattribute__(self, "_real")
        if real is None:
            real = getattr(import_module(self._module), self._name)
            object.__setattr__(self, "_real", real)
        return real

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._get()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._get(), attr)

    def __repr__(self) -> str:
        return f"<lazy {self._module}.{self._name}>"


def lazy_attr(module: str, name: str) -> Any:
    """``module.name``, imported when first called or when one of its attributes is first read (not for a class
    that is subclassed or used with isinstance: import those where they are used).

    >>> fsum = lazy_attr("math", "fsum")
    >>> fsum([0.1] * 10)
    1.0
    """
    return _LazyAttr(module, name)
