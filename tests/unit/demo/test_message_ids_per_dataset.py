"""Two datasets generated with one seed but other sizes share no messageId (loading both drops nothing)."""

from __future__ import annotations

import gzip
import json

from leadlight.demo.generator import generate_company as generate


def message_ids(folder) -> set[str]:
    with gzip.open(folder / "events.ndjson.gz", "rt") as f:
        return {json.loads(line)["messageId"] for line in f}


def test_the_same_seed_at_other_sizes_gives_other_message_ids(tmp_path):
    generate(tmp_path / "small", accounts=15, days=40, seed=7)
    generate(tmp_path / "large", accounts=25, days=40, seed=7)
    generate(tmp_path / "longer", accounts=15, days=60, seed=7)
    small, large, longer = (message_ids(tmp_path / n) for n in ("small", "large", "longer"))
    assert small and large and longer
    assert not small & large and not small & longer
    generate(tmp_path / "again", accounts=15, days=40, seed=7)
    assert message_ids(tmp_path / "again") == small  # the same dataset again: the same ids
