"""The benchmark charts read well on a phone: all of Japan with Okinawa in an inset, a colour scale whose lowest
value shows on white, titles that break rather than run off the screen."""

from __future__ import annotations

from benchmarks import charts

CODES = [f"{n:02d}" for n in range(1, 48)]


def national_map(values):
    return charts.prefecture_map(
        codes=CODES,
        values=values,
        names=[f"県{code}" for code in CODES],
        geojson_url="/static/geo/prefectures.geojson",
        title="総合偏差値",
        colorbar="偏差値",
    )


def contrast_with_white(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_the_national_map_shows_okinawa_and_amami_in_an_inset_coloured_as_on_the_main_map():
    values = [40.0 + n / 2 for n in range(47)]
    values[10] = None  # a prefecture without a score stays out of the colour range
    figure = national_map(values)
    main, inset = figure["data"]
    assert main["locations"] == CODES
    assert (inset["subplot"], inset["locations"], inset["z"]) == ("map2", ["46", "47"], [values[45], values[46]])
    # The inset's colours mean what the main map's do: the same scale over the same range.
    assert inset["colorscale"] == main["colorscale"]
    assert (inset["zmin"], inset["zmax"]) == (40.0, 63.0)
    assert inset["showscale"] is False
    layout = figure["layout"]
    # charts.js fits each map to its bounds in the width it gets; the inset lies over the Sea of Japan.
    assert layout["meta"]["fit"] == {"map": list(charts.JAPAN), "map2": list(charts.OKINAWA)}
    assert layout["map2"]["domain"] == charts.OKINAWA_INSET
    west, south, east, north = charts.OKINAWA
    assert west < 127.7 < east and south < 26.2 < north, "沖縄本島 (那覇) is in the inset"
    assert west < 129.5 < east and south < 28.4 < north, "奄美大島 is in the inset"
    west, south, east, north = charts.JAPAN
    assert west < 129.9 and south < 31.0 and east > 145.5 and north > 45.5, "Kyushu to Hokkaido on the main map"


def test_the_lowest_value_of_the_colour_scale_shows_on_a_white_page():
    (_start, lowest), *_rest, (_end, highest) = charts.SCALE
    # plotly's "Blues" starts at #f7fbff, 1.04:1 on white; the lowest score must be told from the background.
    assert contrast_with_white(lowest) >= 2.0
    assert contrast_with_white(highest) > contrast_with_white(lowest)


def test_a_long_title_breaks_after_its_subject_and_gets_the_room_for_two_lines():
    radar = charts.radar(
        axes=["推進体制", "サービス高度化"],
        series={"小布施町": [50.0, 80.0]},
        title="領域別実施率：小布施町・同規模団体・都道府県",
    )
    assert radar["layout"]["title"]["text"] == "領域別実施率：<br>小布施町・同規模団体・都道府県"
    assert radar["layout"]["margin"]["t"] > 56
    english = charts.radar(axes=["A", "B"], series={"Obuse": [1.0, 2.0]}, title="Area rates: Obuse and its peers")
    assert english["layout"]["title"]["text"] == "Area rates:<br>Obuse and its peers"
    short = charts.histogram(values=[10.0], title="実施率の分布", xaxis="%", yaxis="団体数")
    assert short["layout"]["title"]["text"] == "実施率の分布"
    assert short["layout"]["margin"]["t"] == 56
