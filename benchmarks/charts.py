"""plotly figures for the benchmark pages: data in, a JSON-ready figure dict out (no Django, no ORM).

Templates hand the dict to plotly.js through json_script; every chart has a table beside it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FONT = "Hiragino Sans, Noto Sans JP, Yu Gothic, Meiryo, sans-serif"
# Colour-blind-safe sequence (Okabe–Ito) for series; a sequential scale for maps and heat maps.
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
# plotly's "Blues" from its middle on: the lowest value is a mid blue that stays visible on the white page
# (the full scale starts near white).
SCALE = [[0, "#6baed6"], [0.25, "#4292c6"], [0.5, "#2171b5"], [0.75, "#08519c"], [1, "#08306b"]]
# The national map (west, south, east, north): the four main islands, with Okinawa and the Amami islands in an
# inset at the top left, over the empty Sea of Japan. The inset shows the prefecture's colour on 沖縄本島 and
# 奄美 large enough for a phone; the far Sakishima and Daito islands would make them specks (the table beside
# the map has every prefecture).
JAPAN = (128.4, 30.0, 149.0, 45.6)
OKINAWA = (126.6, 25.9, 130.1, 28.6)
OKINAWA_INSET = {"x": [0.0, 0.42], "y": [0.5, 1.0]}
OKINAWA_CODES = ("46", "47")


def _title(title: str) -> str:
    """A long title breaks after its subject (「領域別実施率：」, "Area rates:"): plotly does not wrap titles,
    and a phone would cut them."""
    for mark in ("：", ": "):
        subject, found, rest = title.partition(mark)
        if found and len(title) > 20:
            return f"{subject}{mark.strip()}<br>{rest}"
    return title


def _figure(fig: go.Figure, title: str, height: int = 420, margin: dict[str, int] | None = None) -> dict[str, Any]:
    text = _title(str(title))
    fig.update_layout(
        title={"text": text, "x": 0},
        font={"family": FONT, "size": 13},
        margin={"l": 48, "r": 24, "t": 76 if "<br>" in text else 56, "b": 48, **(margin or {})},
        height=height,
        colorway=SERIES_COLOURS,
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    result: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return result


def prefecture_map(
    *,
    codes: Sequence[str],
    values: Sequence[float | None],
    names: Sequence[str],
    geojson_url: str,
    title: str,
    colorbar: str,
) -> dict[str, Any]:
    """Choropleth of Japan by prefecture, Okinawa and the Amami islands (鹿児島県) in an inset."""
    figure = region_map(
        geojson_url=geojson_url,
        featureidkey="properties.pref_code",
        codes=codes,
        values=values,
        names=names,
        bounds=JAPAN,
        title=title,
        colorbar=colorbar,
    )
    main = figure["data"][0]
    south = [i for i, code in enumerate(codes) if code in OKINAWA_CODES]
    figure["data"].append(
        main
        | {
            "subplot": "map2",
            "locations": [codes[i] for i in south],
            "z": [values[i] for i in south],
            "text": [str(names[i]) for i in south],
            "zmin": min((v for v in values if v is not None), default=None),
            "zmax": max((v for v in values if v is not None), default=None),
            "showscale": False,
        }
    )
    x, y = OKINAWA_INSET["x"], OKINAWA_INSET["y"]
    layout = figure["layout"]
    layout["map2"] = layout["map"] | {"domain": OKINAWA_INSET, "center": _centre_of(OKINAWA)}
    layout["meta"]["fit"]["map2"] = list(OKINAWA)
    layout["shapes"] = [
        {
            "type": "rect",
            "xref": "paper",
            "yref": "paper",
            "x0": x[0],
            "x1": x[1],
            "y0": y[0],
            "y1": y[1],
            "line": {"color": "#767676", "width": 1},
        }
    ]
    return figure


def _centre_of(bounds: tuple[float, float, float, float]) -> dict[str, float]:
    west, south, east, north = bounds
    return {"lon": (west + east) / 2, "lat": (south + north) / 2}


def region_map(
    *,
    geojson_url: str,
    featureidkey: str,
    codes: Sequence[str],
    values: Sequence[float | None],
    names: Sequence[str],
    bounds: tuple[float, float, float, float],
    title: str,
    colorbar: str,
    bands: Sequence[tuple[float, float, str, StrOrPromise]] = (),
) -> dict[str, Any]:
    """A choropleth on a blank MapLibre map: the browser fetches only our GeoJSON (plotly's `geo` maps
    would fetch a world outline from plotly's CDN). charts.js zooms it to show all of `bounds` (west, south,
    east, north) in the width it gets (layout.meta.fit). With `bands` (from, to, colour, label), equally wide
    and in order, the map is coloured by those bands and the colour bar names them; else a sequential scale.
    The colour bar lies below the map, so that a narrow map keeps its width for the shapes."""
    colour_bar = {
        "title": {"text": str(colorbar), "side": "top"},
        "orientation": "h",
        "len": 1,
        "thickness": 12,
        "tickfont": {"size": 10},
        "y": 0,
        "yanchor": "top",
    }
    scale: dict[str, Any] = {"colorscale": SCALE, "colorbar": colour_bar}
    if bands:
        low, high, n = bands[0][0], bands[-1][1], len(bands)
        scale = {
            "colorscale": [[edge / n, c] for i, (*_, c, _label) in enumerate(bands) for edge in (i, i + 1)],
            "zmin": low,
            "zmax": high,
            "colorbar": colour_bar
            | {
                "tickvals": [(start + end) / 2 for start, end, *_ in bands],
                "ticktext": [str(label) for *_, label in bands],
                "tickangle": 0,
            },
        }
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson_url,
            featureidkey=featureidkey,
            locations=list(codes),
            z=list(values),
            text=[str(n) for n in names],
            hovertemplate="%{text}: %{z:.1f}<extra></extra>",
            marker={"line": {"color": "white", "width": 0.5}},
            **scale,
        )
    )
    fig.update_layout(
        map={"style": "white-bg", "center": _centre_of(bounds), "zoom": 4, "domain": {"x": [0, 1], "y": [0, 1]}},
        meta={"fit": {"map": list(bounds)}},
    )
    return _figure(fig, title, height=560, margin={"l": 8, "r": 8, "b": 72})


def grouped_bars(
    *, categories: Sequence[StrOrPromise], series: dict[str, Sequence[float | None]], title: str, yaxis: str
) -> dict[str, Any]:
    fig = go.Figure(
        [go.Bar(name=str(name), x=[str(c) for c in categories], y=list(values)) for name, values in series.items()]
    )
    fig.update_layout(barmode="group", yaxis={"title": {"text": str(yaxis)}, "rangemode": "tozero"})
    return _figure(fig, title)


def scatter(
    *,
    x: Sequence[float | None],
    y: Sequence[float | None],
    labels: Sequence[str],
    title: str,
    xaxis: str,
    yaxis: str,
) -> dict[str, Any]:
    fig = go.Figure(
        go.Scatter(
            x=list(x),
            y=list(y),
            text=list(labels),
            mode="markers",
            hovertemplate="%{text}<br>%{x:.1f} / %{y:.1f}<extra></extra>",
            marker={"size": 9, "opacity": 0.8},
        )
    )
    fig.update_layout(xaxis={"title": {"text": str(xaxis)}}, yaxis={"title": {"text": str(yaxis)}})
    return _figure(fig, title)


def radar(*, axes: Sequence[StrOrPromise], series: dict[str, Sequence[float | None]], title: str) -> dict[str, Any]:
    closed_axes = [str(axis) for axis in [*axes, axes[0]]]
    fig = go.Figure(
        [
            go.Scatterpolar(r=[*values, values[0]], theta=closed_axes, name=str(name), fill="toself", opacity=0.6)
            for name, values in series.items()
        ]
    )
    fig.update_layout(
        polar={"radialaxis": {"range": [0, 100]}},
        legend={"orientation": "h", "y": -0.1},
    )
    # Room beside the circle for the axis names at its left and right.
    return _figure(fig, title, height=460, margin={"l": 72, "r": 72})


def heatmap(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    z: Sequence[Sequence[float | None]],
    title: str,
    text: Sequence[Sequence[str]],
) -> dict[str, Any]:
    """Item × municipality: 1 done, 0 not done, blank missing (its reason in the hover text)."""
    fig = go.Figure(
        go.Heatmap(
            x=list(columns),
            y=list(rows),
            # A float array (NaN where missing) goes to the browser as a typed array: validating and
            # encoding a list of lists of thousands of cells took half of a large prefecture's page.
            z=np.array([[math.nan if v is None else v for v in r] for r in z], dtype=float),
            text=[list(r) for r in text],
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            colorscale=[[0, "#f1c27d"], [1, "#0072B2"]],
            zmin=0,
            zmax=1,
            showscale=False,
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(xaxis={"tickangle": -60, "automargin": True}, yaxis={"automargin": True, "autorange": "reversed"})
    return _figure(fig, title, height=max(360, 26 * len(rows) + 160))


def gap_heatmap(
    *,
    cells: Sequence[tuple[Any, ...]],
    missing_labels: dict[str, StrOrPromise],
    done: str,
    not_done: str,
    title: str,
) -> dict[str, Any]:
    """Item × municipality from rows (item, item name, code, name, value, missing reason)."""
    items: dict[str, str] = {}
    columns: dict[str, str] = {}
    answers: dict[tuple[str, str], tuple[float | None, str]] = {}
    for item, item_name, code, name, value, missing in cells:
        items[item] = item_name
        columns[code] = name
        answers[item, code] = (value, missing)

    def describe(answer: tuple[float | None, str] | None) -> str:
        if answer is None:
            return ""
        value, missing = answer
        return str(missing_labels[missing]) if missing else (done if value else not_done)

    return heatmap(
        rows=list(items.values()),
        columns=list(columns.values()),
        z=[[(answers.get((item, code)) or (None, ""))[0] for code in columns] for item in items],
        text=[[describe(answers.get((item, code))) for code in columns] for item in items],
        title=title,
    )


def histogram(*, values: Sequence[float], title: str, xaxis: str, yaxis: str) -> dict[str, Any]:
    """How many municipalities have each value (10-point bins of a percentage)."""
    fig = go.Figure([go.Histogram(x=list(values), xbins={"start": 0, "end": 100, "size": 10})])
    fig.update_layout(xaxis={"title": {"text": xaxis}}, yaxis={"title": {"text": yaxis}}, bargap=0.05)
    return _figure(fig, title, height=320)
