"""Validated, streaming, all-or-nothing loading of events, accounts, users and opportunities.

``readers`` finds files and reads them as numbered records, ``segment`` maps
Segment messages to events rows in SQL, ``validation`` holds the rule and
reject types, ``quarantine`` keeps bad records verbatim, ``dedupe`` tells
new messages from possible repeats, ``events`` and ``tables`` load one file,
and ``loader`` wraps a file in its transaction.
"""

from leadlight.ingest.loader import KINDS, FileResult, load_file
from leadlight.ingest.readers import InputFile, expand_inputs

__all__ = ["KINDS", "FileResult", "InputFile", "expand_inputs", "load_file"]
