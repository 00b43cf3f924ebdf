"""``leadlight sync DEST``: write scores to a CRM (HubSpot, Salesforce), a signed webhook or CSV files."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout
from leadlight.storage import Project


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def sync(
        destination: Annotated[str, typer.Argument(help="hubspot, salesforce, webhook or csv.", show_default=False)],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send and store "
                                              "nothing.")] = False,
        setup: Annotated[bool, typer.Option("--setup", help="HubSpot: first create the unique leadlight_account_id "
                                            "property and the properties Leadlight writes (once).")] = False,
        full: Annotated[bool, typer.Option("--full", help="Send every record, changed or not.")] = False,
        only: Annotated[Optional[str], typer.Option("--only", metavar="OBJECT", help="Only `account` or `person` "
                                                    "records.", show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Write the latest scores to a CRM, a signed webhook or CSV files: accounts, and PQL people.

        Only records that changed since the destination last confirmed them are sent; empty values never
        overwrite what the CRM holds; failed records are sent again next time.
        Example: `leadlight sync hubspot --setup` once, then `leadlight sync hubspot`
        """
        from leadlight.tasks.sync import sync as run_sync  # keeps `leadlight --help` fast

        def render(r: dict) -> None:
            verb = "Would send" if r["dry_run"] else "Synced"
            if r["setup"]:
                stdout.print(f"Set up {len(r['setup'])} missing HubSpot properties and groups: "
                             + ", ".join(r["setup"]), highlight=False, soft_wrap=True)
            stdout.print(f"{verb} to {r['destination']} (scores as of {r['as_of']}): {r['created']:,} created, "
                         f"{r['updated']:,} updated, {r['unchanged']:,} unchanged, {r['failed']:,} failed.",
                         highlight=False)
            for e in r["errors"][:10]:
                stdout.print(f"  {e['object']} {e['key']}: {e['error']}", highlight=False, soft_wrap=True)
            if r["failed"]:
                stdout.print("Failed records are sent again on the next sync.", highlight=False)

        run(json_out, lambda: run_sync(Project.locate(project), destination.strip().lower(), dry_run=dry_run,
                                       setup=setup, full=full, only=only, progress=RichSteps(quiet=json_out)), render)
