"""Maps of a prefecture's municipalities: plotly for the page, plain SVG for the printed report."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.utils.html import escape

from benchmarks.charts import region_map

# Deviation scores: below 40 red, around 50 neutral, above 60 blue (as the benchmark maps).
BANDS = ((40.0, "#b2182b"), (45.0, "#ef8a62"), (50.0, "#fddbc7"), (55.0, "#d1e5f0"), (60.0, "#67a9cf"))
TOP = "#2166ac"
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
    """The prefecture's municipalities coloured by a deviation score, centred and zoomed on the prefecture."""
    features = municipality_features(pref_code)
    west, east, south, north = _view(features) if features else (135.0, 140.0, 34.0, 38.0)
    span = max(east - west, (north - south) * 1.3, 0.05)
    zoom = max(4.0, min(10.0, math.log2(360 / span) - 0.6))
    return region_map(
        geojson_url=geojson_url,
        featureidkey="properties.code",
        codes=codes,
        values=values,
        names=names,
        center={"lon": (west + east) / 2, "lat": (south + north) / 2},
        zoom=zoom,
        title=title,
        colorbar=colorbar,
    )


def colour(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return next((c for limit, c in BANDS if value < limit), TOP)


def municipality_svg(*, pref_code: str, values: Mapping[str, float | None], width: int = 480, height: int = 360) -> str:
    """The prefecture's municipalities as an SVG map for print; longitudes shrunk by cos(latitude)."""
    features = municipality_features(pref_code)
    if not features:
        return ""
    west, east, south, north = _view(features)
    shrink = math.cos(math.radians((south + north) / 2))
    scale = min(width / ((east - west) * shrink or 1), height / ((north - south) or 1))

    def point(lon: float, lat: float) -> str:
        return f"{(lon - west) * shrink * scale:.1f},{(north - lat) * scale:.1f}"

    shapes = []
    for feature in features:
        code = feature["properties"]["code"]
        path = " ".join(
            "M" + " L".join(point(lon, lat) for lon, lat in ring) + " Z" for ring in _rings(feature["geometry"])
        )
        shapes.append(
            f'<path d="{path}" fill="{colour(values.get(code))}" stroke="#fff" stroke-width="0.4">'
            f"<title>{escape(feature['properties']['name'])}</title></path>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img">{"".join(shapes)}</svg>'
    )
