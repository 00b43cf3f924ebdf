"""The synthetic PLG company generator behind ``leadlight generate`` and ``leadlight demo``.

A latent company (``company``, ``accounts``, ``people``) lives through a period
(``period``); its members' daily product use is simulated (``behaviour``), a
hidden law turns what they did into sales outcomes (``law``, ``outcomes``), and
everything is written as Segment NDJSON and CRM-style CSVs (``segment``, ``writer``).
"""

from leadlight.demo.generator import generate_company
from leadlight.demo.writer import COLUMNS, EVENTS_FILE, INPUT_FILES

__all__ = ["generate_company", "COLUMNS", "EVENTS_FILE", "INPUT_FILES"]
