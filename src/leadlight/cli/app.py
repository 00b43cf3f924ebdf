"""The ``leadlight`` Typer app. Each command lives in its own module and registers itself."""

from __future__ import annotations

import gc
import importlib
import sys

import typer

# Order here is the order in --help.
COMMAND_MODULES = [
    "leadlight.cli.cmd_demo",
    "leadlight.cli.cmd_generate",
    "leadlight.cli.cmd_init",
    "leadlight.cli.cmd_schema",
    "leadlight.cli.cmd_check",
    "leadlight.cli.cmd_status",
    "leadlight.cli.cmd_ingest",
    "leadlight.cli.cmd_score",
    "leadlight.cli.cmd_accounts",
    "leadlight.cli.cmd_leads",
    "leadlight.cli.cmd_explain",
    "leadlight.cli.cmd_snapshots",
    "leadlight.cli.cmd_run",
    "leadlight.cli.cmd_outbox",
    "leadlight.cli.cmd_plan",
    "leadlight.cli.cmd_mark",
    "leadlight.cli.cmd_sync",
    "leadlight.cli.cmd_serve",
    "leadlight.cli.cmd_bench",
    "leadlight.cli.cmd_train",
    "leadlight.cli.cmd_backtest",
    "leadlight.cli.cmd_suggest",
]


def _version(value: bool) -> None:
    if value:
        from leadlight import __version__

        typer.echo(f"leadlight {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


_app_imports = "leadlight.cli.options"  # its import makes --help and usage errors read like the rest (see there)


def build(modules: list[str] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of ``modules``."""
    app = typer.Typer(
        name="leadlight",
        help="Leadlight turns product usage into a short, explained, prioritised list of accounts "
        "and people sales should talk to now.\n\nStart with `leadlight demo`, or `leadlight init` in a new folder.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
    )
    app.callback()(_root)
    importlib.import_module(_app_imports)
    for name in modules:
        importlib.import_module(name).register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``from leadlight.cli.app import app``: the app with every command, built on first use."""
    if name == "app":
        globals()["app"] = every = build()
        return every
    raise AttributeError(name)


# Commands that read a stored snapshot and stop: their run is mostly imports, which create no cyclic garbage
# worth collecting, yet the cyclic collector walks the growing heap again and again while they load (a sixth of
# `accounts --limit 5`). Every other command keeps it: a score or a server allocates for longer.
READS_WITHOUT_CYCLIC_GC = {"accounts", "leads", "explain", "snapshots", "status"}


def main() -> None:
    # `leadlight accounts ...` registers (and imports) only that command: a read command starts in a fraction of
    # the time; its help, errors and output are the same. Anything else (--help, a typo) gets every command.
    asked = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if asked in READS_WITHOUT_CYCLIC_GC:
        gc.disable()
    module = f"leadlight.cli.cmd_{asked}"
    build([module] if module in COMMAND_MODULES else COMMAND_MODULES)(prog_name="leadlight")
