"""Command-line values read the way typer reads them, without importing pydantic when they are plainly valid.

Typer (0.2x) checks each option's value with a pydantic ``TypeAdapter``; building the first one imports
pydantic, about a fifth of what ``leadlight accounts --limit 5`` costs, though a read command's values are
text, a number, a flag, a path or a choice. ``install()`` makes each parameter try the plain reading first
(text as it is, digits as a number in its range, typer's own choice and path checks) and hand anything else,
every error included, to typer's adapter: the value and the message are typer's either way.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Callable

_UNSURE = object()


class _PlainFirst:
    """A typer runtime parameter that reads a plain value itself and builds typer's own one for the rest."""

    def __init__(self, descriptor: Any, build: Callable[[Any], Any]) -> None:
        self.descriptor = descriptor
        self._build = build
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # as typer's own: no value is None, or () for a parameter that takes many
            return () if param.multiple or param.nargs == -1 else None
        if param.nargs == 1 and not param.multiple:
            try:
                plain = _plain(self.descriptor, value, param, ctx)
            except Exception:  # noqa: BLE001 - typer's adapter reads it again and says what is wrong its way
                plain = _UNSURE
            if plain is not _UNSURE:
                return plain
        if self._typer is None:
            self._typer = self._build(self.descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)


def _plain(descriptor: Any, value: Any, param: Any, ctx: Any) -> Any:
    """The value typer's adapter would give, for the kinds whose reading needs no pydantic; else ``_UNSURE``."""
    from typer import _param_types as kinds
    from typer._typing import is_literal_type, literal_values

    annotation, info = descriptor.annotation, descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return _UNSURE
    if kinds.lenient_issubclass(annotation, Enum) or is_literal_type(annotation):
        choices = list(annotation) if isinstance(annotation, type) else literal_values(annotation)
        return kinds.coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)
    if annotation is str:
        return value if type(value) is str else _UNSURE
    if annotation is int:
        number = int(value) if type(value) is str and value.isascii() and value.isdigit() else value
        if type(number) is not int or info.clamp:
            return _UNSURE
        inside = (info.min is None or number >= info.min) and (info.max is None or number <= info.max)
        return number if inside else _UNSURE
    if kinds.routes_to_path(annotation, info):
        path_type = info.path_type
        if path_type is None and kinds.lenient_issubclass(annotation, Path):
            path_type = annotation
        if path_type is Path and type(value) is str and value and "\0" not in value:
            value = Path(value)  # what pydantic makes of the text (typer asks it only to make the Path)
        return kinds.coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
    return _UNSURE


def install() -> None:
    """Every typer parameter built from now on reads plain values first (another typer keeps its own way)."""
    from typer import core

    build = getattr(core, "build_runtime_param", None)
    if build is None or getattr(build, "plain_first", False):
        return

    def plain_first(descriptor: Any) -> _PlainFirst:
        return _PlainFirst(descriptor, build)

    plain_first.plain_first = True  # type: ignore[attr-defined]
    core.build_runtime_param = plain_first
