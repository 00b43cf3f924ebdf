"""Signal declarations (the `signals:` list). OWNED BY THE SIGNALS ENGINEER - placeholder until then."""

from __future__ import annotations

from typing import Any

Signal = dict[str, Any]
