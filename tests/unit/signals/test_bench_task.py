"""``leadlight bench`` reports measured figures that agree with each other."""

from __future__ import annotations

from leadlight.tasks.bench import run_bench


def test_bench_times_signals_and_scores_on_the_same_events():
    r = run_bench(events=20_000, days=30)
    assert r["events"] == 20_000  # counted in the Parquet both timings read
    assert r["accounts"] == 20_000 // 200 // 10 + 1 and r["users"] == 20_000 // 200
    assert r["scored"] is True
    assert 0 < r["signals_seconds"] <= r["seconds"]
    assert r["floor_seconds"] > 0 and r["ratio"] >= r["signals_ratio"] > 0  # scores come on top of signals
    assert r["bound_seconds"] > 0 and r["bound_ratio"] > 0
