"""``leadlight bench``: how fast signals are, against a plain DuckDB scan of the same events."""

from __future__ import annotations

from typing import Annotated

import typer

from leadlight.cli.options import JsonOpt
from leadlight.cli.output import RichSteps, run, stdout


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Operate")
    def bench(
        events: Annotated[int, typer.Option("--events", "-n", help="How many synthetic events to generate.")] = 1_000_000,
        days: Annotated[int, typer.Option("--days", help="Days of history they span.")] = 90,
        spark: Annotated[bool, typer.Option("--spark", help="Also time the same signals on Spark local[2].")] = False,
        json_out: JsonOpt = False,
    ) -> None:
        """Time signals + scores over N generated events against the floor: one plain DuckDB
        group-by scan of the same Parquet events. Prints both and their ratio (lower is better).

        Example: `leadlight bench --events 200000`
        """
        from leadlight.tasks.bench import run_bench

        def render(r: dict) -> None:
            stdout.print(
                f"{r['events']:,} events, {r['signals']} signals over {r['accounts']:,} accounts and "
                f"{r['users']:,} users: signals + scores [bold]{r['seconds']:.2f} s[/] "
                f"({r['events_per_second']:,} events/s); floor {r['floor_seconds']:.2f} s; ratio [bold]{r['ratio']:.2f}[/]"
            )
            stdout.print(
                f"signals alone {r['signals_seconds']:.2f} s (ratio {r['signals_ratio']:.2f}); "
                f"scores {r['scores_seconds']:.2f} s"
            )
            stdout.print(
                f"the same signals + scores hand-written in DuckDB SQL: {r['bound_seconds']:.2f} s "
                f"(ratio {r['bound_ratio']:.2f}; signals alone {r['bound_signals_seconds']:.2f} s): "
                f"the engine's bound for this definition"
            )
            stdout.print(
                f"Leadlight / bound: signals + scores [bold]{r['ratio_to_bound']:.2f}[/], "
                f"signals {r['signals_ratio_to_bound']:.2f}; the first run, which also compiles: "
                f"{r['first_run_seconds']:.2f} s"
            )
            if "spark_seconds" in r:
                stdout.print(f"signals on Spark local[2]: {r['spark_seconds']:.2f} s")
            stdout.print(f"[dim]CPU seconds: signals + scores {r['cpu_seconds']:.2f}, bound {r['bound_cpu_seconds']:.2f} "
                         f"(ratio {r['cpu_ratio_to_bound']:.2f}); peak memory {r['peak_rss_mb']:,} MB; "
                         f"load average {r['load_average']:.2f}[/]")

        run(json_out, lambda: run_bench(events, days=days, spark=spark, progress=RichSteps(quiet=json_out)), render)
