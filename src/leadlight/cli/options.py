"""Options every command shares."""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli import values
from leadlight.errors import UsageError

ProjectOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--project",
        "-p",
        help="Project folder (holds leadlight.yml). Default: $LEADLIGHT_PROJECT, else the current folder.",
        show_default=False,
    ),
]
SnapshotOpt = Annotated[
    Optional[str],
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Read the snapshot `leadlight score` stored as of this moment: a day (2026-03-31 means the end of that "
        "day, UTC) or an ISO timestamp, as `leadlight snapshots` lists them. Default: the latest.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout (progress goes to stderr).")]


def date_option(text: str | None, option: str) -> date | None:
    """A day option (``--end`` of generate), in any spelling the date grammar accepts, or a usage error."""
    if text is None:
        return None
    from leadlight.timeutil import parse_day

    try:
        day = parse_day(text)
    except ValueError as err:
        raise UsageError(f"{option}: {err}", hint=f"write a day, e.g. {option} 2026-10-31") from None
    if day is None:
        raise UsageError(f"{option} {text!r} is not a day", hint=f"write a day, e.g. {option} 2026-10-31") from None
    return day


def range_option(text: str | None, option: str) -> date | None:
    """``--from`` / ``--to`` as the day bound a task takes, read with the one date grammar.

    A bare day covers the whole day: ``--from D`` starts at the beginning of D, ``--to D`` ends at the end of D
    (the midnight after it, the same moment ``--as-of D`` names)."""
    if text is None:
        return None
    from leadlight.timeutil import parse_moment

    try:
        moment = parse_moment(text, day_means="start" if option == "--from" else "end")
    except ValueError as err:
        raise UsageError(f"{option}: {err}", hint=f"e.g. {option} 2026-03-31") from None
    return moment.date()


def _plain_metavar(self, ctx) -> str:  # noqa: ANN001 - typer's own signature
    """What `--help` shows as an option's value: a word (N, DIR, KIND, table|csv|json), never ``<list[str]>``."""
    if getattr(self, "is_flag", False) or getattr(self, "param_type_name", "") == "argument":
        return ""  # a flag takes no value; an argument's name column already says what it is
    desc = self.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    name = (self.name or "value").upper()
    if desc.is_path:
        return "DIR" if name in ("PROJECT", "DIRECTORY", "OUT", "DIR") else "FILE"
    bare = self.bare_type()
    if bare in ("int", "float") or desc.is_ranged:
        return "N"
    return name


def _humane_help() -> None:
    """Typer 0.2x prints types as ``<str>``, ``<list[str]>``, ``<bool>``: readable words instead, for every command."""
    from typer import core

    try:
        core._TyperParameter.display_type = _plain_metavar  # type: ignore[attr-defined]
        core.TyperArgument._usage_display_name = _usage_name  # type: ignore[attr-defined]
    except AttributeError:  # another typer: its own display stays
        return
    if "typer.rich_utils" in sys.modules:
        sys.modules["typer.rich_utils"].rich_format_error = _usage_error  # type: ignore[attr-defined]
    else:  # typer imports it (rich's Markdown, tracebacks: a tenth of a second) only to print help or an error
        sys.meta_path.insert(0, _PatchOnImport())


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Puts ``_usage_error`` into ``typer.rich_utils`` when typer first imports it, not at every start."""

    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 - importlib's protocol
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _Patching(spec.loader)
        return spec


class _Patching(importlib.abc.Loader):
    def __init__(self, loader) -> None:  # noqa: ANN001
        self.loader = loader

    def create_module(self, spec):  # noqa: ANN001, ANN201
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:  # noqa: ANN001
        self.loader.exec_module(module)
        module.rich_format_error = _usage_error


def _usage_error(problem) -> None:  # noqa: ANN001 - a click exception
    """A wrong command line in the words of every other error: ``error: ...`` and ``hint: ...`` (exit 2)."""
    if type(problem).__name__ == "NoArgsIsHelpError":
        return
    from leadlight.cli.output import print_json, say_error

    ctx = getattr(problem, "ctx", None)
    err = UsageError(problem.format_message(), hint=f"see `{ctx.command_path if ctx else 'leadlight'} --help`")
    if "--json" in sys.argv[1:] or (ctx is not None and "--json" in (getattr(ctx, "args", None) or [])):
        print_json(err.to_dict())
    say_error(err)


def _usage_name(self) -> str:  # noqa: ANN001
    """``ACCOUNT``, ``[DIR]``, ``PATH...`` on the usage line (typer writes ``{paths}...``)."""
    name = (self.metavar or self.name or "").strip("[]").upper()
    if self.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if self.required else f"[{name}]"


_humane_help()
values.install()  # plain values are read without importing pydantic (see there)
