"""Maps of a prefecture's municipalities: plotly for the page, plain SVG for the printed report."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from benchmarks.charts import region_map

# Deviation scores, on the page's map, in the report's and in their legends: below 40 red, around 50
# neutral, 60 and above blue (from, to, colour, label); the outer bands take everything beyond them.
BANDS = (
    (35.0, 40.0, "#b2182b", _("below 40")),
    (40.0, 45.0, "#ef8a62", "40–45"),
    (45.0, 50.0, "#fddbc7", "45–50"),
    (50.0, 55.0, "#d1e5f0", "50–55"),
    (55.0, 60.0, "#67a9cf", "55–60"),
    (60.0, 65.0, "#2166ac", _("60 and above")),
)
NO_DATA = "#d9d9d9"


@cache
def municipality_features(pref_code: str) -> list[dict[str, Any]]:
    path = finders.find(f"geo/municipalities/{pref_code}.geojson")
    if not path:
        return []
    with open(path, encoding="utf-8") as file:
        features: list[dict[str, Any]] = json.load(file)["features"]
    return features


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def _view(features: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    points = [point for f in features for ring in _rings(f["geometry"]) for point in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), max(lons), min(lats), max(lats)


def municipality_map(
    *,
    pref_code: str,
    codes: Sequence[str],
    values: Sequence[float | None],
    names: Sequence[str],
    geojson_url: str,
    title: str,
    colorbar: str,
) -> dict[str, Any]:
    """The prefecture's municipalities coloured by a deviation score, the map fitted to the prefecture."""
    features = municipality_features(pref_code)
    west, east, south, north = _view(features) if features else (135.0, 140.0, 34.0, 38.0)
    return region_map(
        geojson_url=geojson_url,
        featureidkey="properties.code",
        codes=codes,
        values=values,
        names=names,
        bounds=(west, south, east, north),
        title=title,
        colorbar=colorbar,
        bands=BANDS,
    )


def colour(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return next((c for _start, end, c, _label in BANDS[:-1] if value < end), BANDS[-1][2])


def _centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of a closed ring (shoelace), or its first point when it has no area."""
    pairs = list(zip(points, points[1:] + points[:1], strict=True))
    crosses = [x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs]
    area = sum(crosses) / 2
    if not area:
        return points[0]
    x = sum((x0 + x1) * c for ((x0, _), (x1, _)), c in zip(pairs, crosses, strict=True)) / (6 * area)
    y = sum((y0 + y1) * c for ((_, y0), (_, y1)), c in zip(pairs, crosses, strict=True)) / (6 * area)
    return x, y


def municipality_svg(
    *,
    pref_code: str,
    values: Mapping[str, float | None],
    marks: Mapping[str, str] | None = None,
    width: int = 480,
    height: int = 360,
) -> str:
    """The prefecture's municipalities as an SVG map for print; longitudes shrunk by cos(latitude).
    `marks` puts a short label (the rank in the printed list) on those municipalities, at the centre of
    their largest part, so that a reader finds them on paper."""
    features = municipality_features(pref_code)
    if not features:
        return ""
    marks = marks or {}
    west, east, south, north = _view(features)
    shrink = math.cos(math.radians((south + north) / 2))
    scale = min(width / ((east - west) * shrink or 1), height / ((north - south) or 1))
    # The box fits the prefecture, so that a tall one (長野県) is not drawn in a quarter of the page.
    width, height = round((east - west) * shrink * scale), round((north - south) * scale)

    def point(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * shrink * scale, (north - lat) * scale

    shapes, labels = [], []
    for feature in features:
        code = feature["properties"]["code"]
        rings = [[point(lon, lat) for lon, lat in ring] for ring in _rings(feature["geometry"])]
        path = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z" for ring in rings)
        shapes.append(
            f'<path d="{path}" fill="{colour(values.get(code))}" stroke="#fff" stroke-width="0.4">'
            f"<title>{escape(feature['properties']['name'])}</title></path>"
        )
        if code in marks:
            x, y = _centre(max(rings, key=len))
            labels.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#fff" fill-opacity="0.85"/>'
                f'<text x="{x:.1f}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="10" font-weight="bold" '
                f'fill="#000">{escape(marks[code])}</text>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img">{"".join(shapes)}{"".join(labels)}</svg>'
    )
