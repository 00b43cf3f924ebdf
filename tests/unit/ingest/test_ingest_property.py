"""Property: bad records mixed into a file never lose or alter a good one."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.unit.ingest.conftest import NOW, Workspace

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)
OFFSETS = st.sampled_from([timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
WHEN = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2026, 2, 1), timezones=OFFSETS)
PROPS = st.dictionaries(TEXT, st.one_of(st.integers(-10**6, 10**6), TEXT, st.booleans(), st.none()), max_size=3)

good_record = st.fixed_dictionaries({
    "type": st.just("track"), "userId": TEXT, "event": TEXT, "timestamp": WHEN, "properties": PROPS,
})

# Lines that are wrong in one way each: unparseable text, or a message missing or breaking one field.
bad_line = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\x00"), min_size=1, max_size=30)
    .filter(lambda s: s.strip() != ""),
    st.builds(lambda r: json.dumps({k: v for k, v in r.items() if k != "timestamp"}), good_record),
    st.builds(lambda r: json.dumps({**r, "timestamp": "2027-01-01T00:00:00Z"}), good_record),
    st.builds(lambda r: json.dumps({**r, "type": "track", "event": None, "timestamp": "2024-01-01T00:00:00Z"}), good_record),
    st.builds(lambda r: json.dumps({**r, "properties": [1], "timestamp": "2024-01-01T00:00:00Z"}), good_record),
    st.builds(lambda r: json.dumps({**r, "userId": None, "timestamp": "2024-01-01T00:00:00Z"}), good_record),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goods=st.lists(good_record, min_size=1, max_size=15), bads=st.lists(bad_line, max_size=15), data=st.data())
def test_bad_records_never_lose_or_alter_good_ones(goods, bads, data):
    lines = [("good", i) for i in range(len(goods))] + [("bad", i) for i in range(len(bads))]
    order = data.draw(st.permutations(lines))
    text = []
    for what, i in order:
        if what == "good":
            msg = {**goods[i], "messageId": f"good-{i}", "timestamp": goods[i]["timestamp"].isoformat()}
            text.append(json.dumps(msg, ensure_ascii=False))
        else:
            text.append(bads[i])
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        report = ws.load("mixed.ndjson", "\n".join(text) + "\n")
        loaded = {r[0]: r[1:] for r in ws.rows(
            "SELECT message_id, user_id, event, timestamp, properties FROM events")}
    expected = {
        f"good-{i}": (g["userId"], g["event"], g["timestamp"].astimezone(timezone.utc).replace(tzinfo=None, microsecond=0),
                      g["properties"])
        for i, g in enumerate(goods)
    }
    assert set(loaded) == set(expected)
    for mid, (user, event, ts, props) in loaded.items():
        assert (user, event, ts, json.loads(props)) == expected[mid]
    assert report["rejected"] == len(bads) and report["loaded"] == len(goods)
    assert NOW > max(ts for _, _, ts, _ in expected.values())
