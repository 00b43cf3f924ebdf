"""Splice the README's feature sections, kept one file per area in docs/readme/, into README.md.

    python docs/assemble_readme.py     (from the repository root)

README.md above the `<!-- spliced -->` marker is written by hand; below it come the sections in ORDER, then
the guarantees, then README's own Performance and Development sections. Files named *-architecture.md are notes
for ARCHITECTURE.md and are not spliced.
"""
import re
from pathlib import Path

readme = Path("README.md").read_text()
parts = {p.stem: p.read_text().strip() + "\n" for p in Path("docs/readme").glob("*.md")
         if not p.stem.endswith("-architecture")}

head, rest = readme.split("## Performance", 1)
perf, dev = rest.split("## Development", 1)
# drop sections already spliced by an earlier run
for marker in ("<!-- spliced -->",):
    if marker in head:
        head = head[: head.index(marker)]
guarantees = """## What Leadlight guarantees

Each guarantee is held by a test that fails without it.

- **Point in time.** A value as of D uses only events stamped before D, and identity as known before D; it never
  changes when later events arrive (property tests append random later messages).
- **A file loads whole or not at all.** `kill -9` at any moment leaves no part of a file; a rerun loads it whole.
  Derived identity state is rebuilt whenever it was not built from the current inputs (`tests/faults/`).
- **Nothing is loaded twice**: by `messageId`, else by content with line endings and a BOM left out; the event
  collector answers 200 only when the events are fsynced to its log, and a crash anywhere neither loses nor doubles
  an acknowledged event (`tests/functional/test_collector.py`, kill -9 after a 200).
- **Once per change, nothing lost.** A playbook action is an outbox row written with the snapshot that caused it;
  a re-run never adds it twice; a crash between a send and its record re-sends it with the same idempotency key;
  after repeated failures it is parked with its error, never dropped (`tests/functional/test_run_playbooks.py`).
  CRM sync stores a record's fingerprint only after the CRM confirmed it (`tests/functional/test_cli_sync.py`).
- **Never a rep to an account that already bought or is in a deal**: customers and open deals are never PQAs
  (`tests/functional/test_account_status.py`).
- **A value from the environment is never printed** — planted in every text field of the config schema, in turn
  (`tests/faults/test_secrets.py`).
- **No traceback**: a bad file, a bad command line, a full disk, a damaged database or a held project is one
  `error:` / `hint:` pair (one JSON document under `--json`), exit 1 or 2 (`tests/faults/`).
- **A hostile `leadlight.yml` cannot hang Leadlight** (billion laughs, huge lines and lists, deep nesting: refused
  within seconds, exit 2).
- **One owner of the DuckDB file**: a second process is told which Leadlight process holds the project and what to
  do, never a raw lock error, and a page never shows a half-written snapshot (`tests/web/test_consistency.py`).

"""
ORDER = ["cli", "ingest", "act", "dest", "web", "live", "collector", "rescore", "rescore-rows", "rescore-incr", "engine", "learn", "learn-short",
         "learn-human", "learn-choice", "learn-speed"]
missing = sorted(set(parts) - set(ORDER))
if missing:
    raise SystemExit(f"docs/readme has sections not in ORDER: {missing}")
body = "\n".join(parts[n] for n in ORDER if n in parts)
# drop the helpers' draft guarantee subsections (collected above)
body = re.sub(r"### What Leadlight guarantees \(draft\).*?(?=\n### |\n## )", "", body, flags=re.S)
body = re.sub(r"### What Leadlight guarantees when loading.*?(?=\n### |\n## )", "", body, flags=re.S)
new = head.rstrip() + "\n\n<!-- spliced -->\n" + body + "\n" + guarantees + "## Performance" + perf + "## Development" + dev
Path("README.md").write_text(new)
print(len(new.splitlines()), "lines")
