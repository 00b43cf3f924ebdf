"""Import only the Ibis SQL compiler an engine uses, not all twenty.

``ibis/backends/sql/compilers/__init__.py`` (Ibis 12) imports the compiler of
every dialect Ibis knows (Athena, BigQuery, Trino, ...) when any backend loads:
0.12 of the 0.3 s that opening the first DuckDB engine of a command costs, paid
by every command that scores, though it uses one dialect (two with Spark).
``lazy_compilers()`` puts that package in ``sys.modules`` without running its
``__init__``: each compiler module is imported the first time it is asked for
(``compilers.duckdb``, ``compilers.DuckDBCompiler``), which is all the backends
and ``ibis.to_sql`` do. Nothing changes if the package was imported already, or
with an Ibis other than 12 (the layout it relies on): then the usual import runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

PACKAGE = "ibis.backends.sql.compilers"
_SUFFIX = "Compiler"


def lazy_compilers() -> bool:
    """Install the lazy compilers package; True when it is in place (now or before)."""
    found = sys.modules.get(PACKAGE)
    if found is not None:
        return getattr(found, "__lazy__", False)
    import ibis
    import ibis.backends.sql as parent

    if not str(getattr(ibis, "__version__", "")).startswith("12."):
        return False
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__getattr__ = _compiler  # type: ignore[attr-defined]
    module.__lazy__ = True  # type: ignore[attr-defined]
    sys.modules[PACKAGE] = module
    parent.compilers = module  # type: ignore[attr-defined]
    return True


def _compiler(name: str) -> ModuleType | type:
    """A dialect's module (``duckdb``) or its compiler class (``DuckDBCompiler``), imported on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    dialect = name[: -len(_SUFFIX)].lower() if name.endswith(_SUFFIX) else name
    try:
        module = importlib.import_module(f"{PACKAGE}.{dialect}")
    except ModuleNotFoundError as err:
        if err.name != f"{PACKAGE}.{dialect}":  # the dialect's module exists and failed: say why
            raise
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None
    return module if dialect == name else getattr(module, name)
