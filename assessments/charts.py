"""The KPI trend chart (plotly): measurements, the planned line to the target, today."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from benchmarks.charts import FONT, SERIES_COLOURS


def kpi_trend(
    *,
    dates: Sequence[dt.date],
    values: Sequence[float],
    baseline: tuple[dt.date, float],
    target: tuple[dt.date, float],
    today: dt.date,
    labels: dict[str, str],
) -> dict[str, Any]:
    fig = go.Figure(
        [
            go.Scatter(
                x=[baseline[0].isoformat(), target[0].isoformat()],
                y=[baseline[1], target[1]],
                mode="lines",
                name=labels["plan"],
                line={"dash": "dash", "color": SERIES_COLOURS[1]},
            ),
            go.Scatter(
                x=[d.isoformat() for d in dates],
                y=list(values),
                mode="lines+markers",
                name=labels["measured"],
                line={"color": SERIES_COLOURS[0]},
            ),
        ]
    )
    fig.add_vline(x=today.isoformat(), line={"color": "#595959", "dash": "dot"})
    fig.update_layout(
        title={"text": labels["title"], "x": 0},
        font={"family": FONT, "size": 13},
        height=380,
        margin={"l": 48, "r": 24, "t": 56, "b": 48},
        paper_bgcolor="white",
        plot_bgcolor="white",
        yaxis={"title": {"text": labels["unit"]}},
        legend={"orientation": "h"},
    )
    result: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return result
