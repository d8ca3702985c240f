"""Charts of the assessments app (plotly): the KPI trend and the roadmap Gantt chart."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from benchmarks.charts import FONT, SERIES_COLOURS

LATE = "#b00020"
DONE = "#1e7e34"


def kpi_trend(
    *,
    dates: Sequence[dt.date],
    values: Sequence[float],
    baseline: tuple[dt.date, float],
    target: tuple[dt.date, float],
    today: dt.date,
    labels: dict[str, str],
) -> dict[str, Any] | None:
    """The measurements against the plan's line; None before the first measurement (the page says so in words
    rather than drawing a plan over empty axes)."""
    if not dates:
        return None
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
        xaxis={"type": "date"},
        yaxis={"title": {"text": labels["unit"]}},
        legend={"orientation": "h"},
    )
    result: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return result


def gantt(
    *, rows: Sequence[Any], period: tuple[dt.date, dt.date], today: dt.date, labels: dict[str, str]
) -> dict[str, Any] | None:
    """Initiatives as bars from start to end over the policy period (late ones red and saying so), milestones
    as diamonds, today as a line; None without initiatives (the page says so in words, not with empty axes).

    `rows` are selectors.InitiativeRow; dates go to plotly as ISO strings, durations in milliseconds.
    """
    if not rows:
        return None
    day_ms = 24 * 60 * 60 * 1000
    titles = [row.initiative.title for row in rows]
    bars = go.Bar(
        y=titles,
        base=[row.initiative.starts_on.isoformat() for row in rows],
        x=[((row.initiative.ends_on - row.initiative.starts_on).days + 1) * day_ms for row in rows],
        orientation="h",
        marker={"color": [LATE if row.late else SERIES_COLOURS[0] for row in rows]},
        # Colour alone does not tell: a late bar says so beside it.
        text=[labels["late"] if row.late else "" for row in rows],
        textposition="outside",
        textfont={"color": LATE},
        cliponaxis=False,
        name=labels["initiatives"],
        hovertemplate="%{y}<extra></extra>",
    )
    milestones = [(row.initiative.title, m) for row in rows for m in row.milestones]
    colours = [LATE if m.late else (DONE if m.milestone.done_on else SERIES_COLOURS[1]) for _, m in milestones]
    marks = go.Scatter(
        y=[title for title, _ in milestones],
        x=[m.milestone.due_on.isoformat() for _, m in milestones],
        text=[m.milestone.title for _, m in milestones],
        customdata=[f" ({labels['late']})" if m.late else "" for _, m in milestones],
        mode="markers",
        marker={
            "symbol": "diamond",
            "size": 12,
            "color": colours,
            "line": {"color": "white", "width": 1},
        },
        name=labels["milestones"],
        hovertemplate="%{text}: %{x}%{customdata}<extra></extra>",
    )
    first = min([period[0], *(row.initiative.starts_on for row in rows)])
    last = max([period[1], *(row.initiative.ends_on for row in rows)])
    fig = go.Figure([bars, marks])
    fig.add_vline(x=today.isoformat(), line={"color": "#1a1a1a", "dash": "dot"})
    fig.update_layout(
        title={"text": labels["title"], "x": 0},
        font={"family": FONT, "size": 13},
        height=max(300, 42 * len(rows) + 140),
        margin={"l": 24, "r": 32, "t": 56, "b": 48},
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={
            "type": "date",
            "range": [first.isoformat(), (last + dt.timedelta(days=1)).isoformat()],
            "automargin": True,
        },
        # Long titles in short lines, so that on a phone the bars keep most of the width.
        yaxis={
            "autorange": "reversed",
            "automargin": True,
            "tickmode": "array",
            "tickvals": titles,
            "ticktext": ["<br>".join(textwrap.wrap(title, 10)) for title in titles],
        },
        # A legend would show the first bar's and the first milestone's colour only: the table beside the
        # chart says what is late or done, and so does each late bar.
        showlegend=False,
        barmode="overlay",
    )
    result: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return result
