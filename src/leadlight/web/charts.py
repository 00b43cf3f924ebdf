"""Charts drawn on the server as SVG (altair -> Vega-Lite -> vl-convert), fully offline, readable without JS."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd

INK, ACCENT, SECOND, MUTED, BAND = "#1f2933", "#2563eb", "#f59e0b", "#9aa5b1", "#dbeafe"
WIDTH, HEIGHT = 420, 220


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (chart.properties(padding={"left": 24, "right": 16, "top": 6, "bottom": 6}).configure_view(strokeWidth=0)
            .configure_axis(labelColor=INK, titleColor=INK, gridColor="#eef2f7", domainColor=MUTED, labelFontSize=11,
                            titleFontSize=11, titleFontWeight="normal")
            .configure_legend(labelColor=INK, titleColor=INK, orient="bottom", labelFontSize=11, labelLimit=200)
            .configure(font="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", background="white"))


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (cached by its spec: the same data draws once)."""
    return _render(json.dumps(_config(chart).to_dict(), sort_keys=True))


@lru_cache(maxsize=512)
def _render(spec: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.loads(spec))


def history(points: list[dict[str, Any]]) -> str:
    """Score (0-100) and probability (as %) at every stored snapshot."""
    rows = []
    for p in points:
        rows.append({"as_of": p["as_of"], "what": "score (0-100)", "value": p.get("score")})
        if p.get("probability") is not None:
            rows.append({"as_of": p["as_of"], "what": "probability (%)", "value": 100 * p["probability"]})
    frame = pd.DataFrame(rows or [{"as_of": None, "what": "score (0-100)", "value": None}])
    line = alt.Chart(frame).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("as_of:T", title=None, axis=alt.Axis(format="%b %d", tickCount=6)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("what:N", title=None, scale=alt.Scale(range=[ACCENT, SECOND])),
        tooltip=["as_of:T", "what:N", alt.Tooltip("value:Q", format=".1f")])
    return svg(line.properties(width=WIDTH, height=170))


def conversion_by_band(deciles: list[dict[str, Any]]) -> str:
    frame = pd.DataFrame(deciles)
    bars = alt.Chart(frame).mark_bar(color=ACCENT).encode(
        x=alt.X("decile:O", title="score band (10 = highest scores)", sort="ascending"),
        y=alt.Y("conversion_rate:Q", title="converted", axis=alt.Axis(format="%")),
        tooltip=["decile:O", "rows:Q", "conversions:Q", alt.Tooltip("conversion_rate:Q", format=".1%")])
    return svg(bars.properties(width=WIDTH, height=HEIGHT))


def lift(deciles: list[dict[str, Any]]) -> str:
    """Each band's conversion rate over the overall rate (1 = no better than random)."""
    frame = pd.DataFrame(deciles)
    overall = frame.conversions.sum() / max(frame.rows.sum(), 1)
    frame["lift"] = frame.conversion_rate / overall if overall else 0.0
    bars = alt.Chart(frame).mark_bar(color=ACCENT).encode(
        x=alt.X("decile:O", title="score band (10 = highest scores)"), y=alt.Y("lift:Q", title="lift (x average)"),
        tooltip=["decile:O", alt.Tooltip("lift:Q", format=".2f")])
    rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=INK, strokeDash=[4, 3]).encode(y="y:Q")
    return svg((bars + rule).properties(width=WIDTH, height=HEIGHT))


def calibration(deciles: list[dict[str, Any]]) -> str:
    """Predicted probability (mean per band) against the share that converted; the diagonal is perfect."""
    frame = pd.DataFrame(deciles).dropna(subset=["mean_score"])
    top = float(max(frame.mean_score.max(), frame.conversion_rate.max(), 0.05)) if len(frame) else 1.0
    diagonal = alt.Chart(pd.DataFrame({"x": [0, top], "y": [0, top]})).mark_line(
        color=MUTED, strokeDash=[4, 3]).encode(x="x:Q", y="y:Q")
    dots = alt.Chart(frame).mark_line(point=True, color=ACCENT).encode(
        x=alt.X("mean_score:Q", title="predicted probability", axis=alt.Axis(format="%")),
        y=alt.Y("conversion_rate:Q", title="converted", axis=alt.Axis(format="%")),
        tooltip=["decile:O", alt.Tooltip("mean_score:Q", format=".1%"), alt.Tooltip("conversion_rate:Q", format=".1%")])
    return svg((diagonal + dots).properties(width=WIDTH - 100, height=HEIGHT))


def gains(deciles: list[dict[str, Any]], flagged: float | None, held: float | None) -> str:
    """Share of conversions held when contacting the top X% of accounts; the 15-35% band and the 60% line."""
    frame = pd.DataFrame(deciles).sort_values("decile", ascending=False)
    total_rows, total_conv = max(frame.rows.sum(), 1), max(frame.conversions.sum(), 1)
    curve = pd.DataFrame({"contacted": [0.0, *(frame.rows.cumsum() / total_rows)],
                          "held": [0.0, *(frame.conversions.cumsum() / total_conv)]})
    band = alt.Chart(pd.DataFrame({"x": [0.15], "x2": [0.35]})).mark_rect(color=BAND, opacity=0.8).encode(
        x="x:Q", x2="x2:Q")
    target = alt.Chart(pd.DataFrame({"y": [0.6]})).mark_rule(color=SECOND, strokeDash=[4, 3]).encode(y="y:Q")
    line = alt.Chart(curve).mark_line(point=True, color=ACCENT).encode(
        x=alt.X("contacted:Q", title="share of accounts flagged (best first)", axis=alt.Axis(format="%")),
        y=alt.Y("held:Q", title="share of conversions held", axis=alt.Axis(format="%")))
    layers = [band, target, line]
    if flagged is not None and held is not None:
        layers.append(alt.Chart(pd.DataFrame({"x": [flagged], "y": [held]})).mark_point(
            shape="diamond", size=140, filled=True, color=INK).encode(x="x:Q", y="y:Q"))
    return svg(alt.layer(*layers).properties(width=WIDTH - 100, height=HEIGHT))


def by_quadrant(rows: list[dict[str, Any]], words: dict[str, str]) -> str:
    frame = pd.DataFrame(rows)
    frame["label"] = [words.get(q, q) for q in frame.quadrant]
    bars = alt.Chart(frame).mark_bar(color=ACCENT).encode(
        y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)), x=alt.X("conversion_rate:Q", title="converted",
                                                           axis=alt.Axis(format="%")),
        tooltip=["label:N", "rows:Q", "conversions:Q", alt.Tooltip("conversion_rate:Q", format=".1%")])
    return svg(bars.properties(width=WIDTH - 120, height=140))
