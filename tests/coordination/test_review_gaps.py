"""What the coordinator reads off the workspace, checked against the data behind it: each cell of the gap
matrix and the ranking of the gaps, both composites of a municipality on the dashboard, the council report's
progress while a worker makes it, and the report PDF's needs-attention list and map."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from typing import Any
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from pypdf import PdfReader
from pypdf.generic import ContentStream

from assessments.models import Answer, Assessment
from benchmarks.models import Indicator, MunicipalityScore, Value
from benchmarks.selectors import gap_matrix_values, published_run
from coordination import charts, selectors, services, tasks
from coordination import report as council
from coordination.models import CouncilReport
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Municipality, Organization
from tests.assessments import load_catalog
from tests.coordination.conftest import import_survey, survey_answers
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

YEAR = FiscalYear.current().year
# How many of the home prefecture's eight municipalities lack each yes/no item: all different, so the
# ranking of the gaps has one right order.
LACKING = {"system.cio": 4, "system.policy": 1, "system.dedicated_unit": 2, "service.ai": 7}
NOT_REPORTED = Value.Missing.NOT_REPORTED.value


@pytest.fixture
def mapped(home) -> list[Municipality]:
    """Four towns and two villages more in the home prefecture that are on its map: their codes and names
    are the GeoJSON's (skipping codes the factory already gave out)."""
    prefecture = home["prefecture"].prefecture
    taken = set(Municipality.objects.values_list("code", flat=True))
    features = [
        f["properties"]
        for f in charts.municipality_features(prefecture.pref_code)
        if f["properties"]["code"] not in taken
    ]
    chosen = [(p, "town") for p in features if p["name"].endswith("町")][:4]
    chosen += [(p, "village") for p in features if p["name"].endswith("村")][:2]
    made = []
    for properties, kind in chosen:
        municipality = MunicipalityFactory(
            prefecture=prefecture, code=properties["code"], name=properties["name"], kind=kind, size_class=kind
        )
        Organization.objects.create(
            kind=Organization.Kind.MUNICIPALITY,
            prefecture=prefecture,
            municipality=municipality,
            name=municipality.name,
        )
        made.append(municipality)
    return made


@pytest.fixture
def answers(home, mapped, django_capture_on_commit_callbacks) -> dict[tuple[str, str], str]:
    """A scored FY2023 survey in which the home prefecture's municipalities lack the yes/no items as
    LACKING says (spread over them, not the first in code order) and one did not report its CIO.
    Returns the raw answer of each (home municipality code, item)."""
    load_catalog()
    codes = sorted(Municipality.objects.filter(prefecture=home["prefecture"].prefecture).values_list("code", flat=True))
    overrides = {
        code: {item: "0" if (3 * j) % len(codes) < n else "1" for item, n in LACKING.items()}
        for j, code in enumerate(codes)
    }
    overrides[next(code for code in codes if overrides[code]["system.cio"] == "1")]["system.cio"] = NOT_REPORTED
    import_survey(survey_answers(overrides), 2023, django_capture_on_commit_callbacks)
    return {(code, item): raw for code, raw_items in overrides.items() for item, raw in raw_items.items()}


@pytest.fixture
def coordinator(client, people):
    client.force_login(people["coordinator"])
    return client


def cell(value: float | None, missing: str) -> str:
    return "no answer" if missing else ("done" if value else "not done")


def raw_cell(raw: str) -> str:
    return "no answer" if raw in Value.Missing.values else ("done" if raw == "1" else "not done")


def home_municipalities(home) -> list[Municipality]:
    return list(Municipality.objects.filter(prefecture=home["prefecture"].prefecture).order_by("code"))


def scores_of(home) -> dict[str, MunicipalityScore]:
    """The published FY2023 scores of the home prefecture's municipalities, by code."""
    run = published_run(dataset=selectors.latest_scores().dataset)
    return {
        s.municipality.code: s
        for s in MunicipalityScore.objects.filter(
            run=run, municipality__prefecture=home["prefecture"].prefecture
        ).select_related("municipality")
    }


# --- the gap matrix ------------------------------------------------------------------------------


def test_each_gap_cell_says_done_or_not_as_the_municipality_answered_the_survey(answers, home):
    items = set(
        Indicator.objects.filter(
            catalog__fiscal_year=2023, code__in=LACKING, kind=Indicator.Kind.BOOLEAN, scored=True
        ).values_list("code", flat=True)
    )
    assert items == set(LACKING)  # the items the survey varies are the matrix's rows
    values = gap_matrix_values(dataset=selectors.latest_scores().dataset, prefecture=home["prefecture"].prefecture)
    cells = {(code, item): cell(value, missing) for item, _n, code, _name, value, missing in values}
    # Every home municipality × item once, none of the other prefecture, each as answered.
    assert len(cells) == len(values)
    assert cells == {key: raw_cell(raw) for key, raw in answers.items()}
    assert Counter(cells.values())["no answer"] == 1


def test_gaps_are_ranked_by_how_many_lack_them_and_each_lists_exactly_who_lacks_it(coordinator, answers, home):
    expected = {item: Counter(raw_cell(raw) for (_code, of), raw in answers.items() if of == item) for item in LACKING}
    page = coordinator.get("/coordination/20/gaps/")
    assert page.status_code == 200
    counts = page.context["counts"]
    assert {row["code"]: (row["done"], row["lacking"], row["no_answer"]) for row in counts} == {
        item: (n["done"], n["not done"], n["no answer"]) for item, n in expected.items()
    }
    ranked = sorted(LACKING, key=lambda item: -expected[item]["not done"])
    assert [row["code"] for row in counts] == ranked
    assert re.findall(r'href="\?item=([^"]+)"', page.text) == ranked  # the table shows that order

    names = {m.code: m.name for m in home_municipalities(home)}
    for item in LACKING:
        chosen = coordinator.get("/coordination/20/gaps/", {"item": item})
        lacking = [code for code in sorted(names) if answers[code, item] == "0"]
        assert chosen.context["lacking"] == [(code, names[code]) for code in lacking], item
        offered = re.findall(r'name="municipality" value="([^"]+)" checked', chosen.text)
        assert offered == lacking, item


def test_a_confirmed_self_assessment_overrides_the_national_answer_in_the_gaps(coordinator, answers, home):
    codes = [m.code for m in home_municipalities(home)]
    nationally_lacking = [code for code in codes if answers[code, "system.policy"] == "0"]
    nationally_done = [code for code in codes if answers[code, "system.policy"] == "1"]
    policy = Indicator.objects.get(catalog__fiscal_year=2023, code="system.policy")
    # One that lacked it has done it since, one that had it says it no longer does; both confirmed.
    for code, value in ((nationally_lacking[0], 1.0), (nationally_done[0], 0.0)):
        confirmed = Assessment.objects.create(
            municipality=Municipality.objects.get(code=code), fiscal_year=YEAR, status=Assessment.Status.CONFIRMED
        )
        Answer.objects.create(assessment=confirmed, indicator=policy, value=value)
    lacking = sorted({*nationally_lacking[1:], nationally_done[0]})
    page = coordinator.get("/coordination/20/gaps/", {"item": "system.policy"})
    assert [code for code, _name in page.context["lacking"]] == lacking
    assert next(row for row in page.context["counts"] if row["code"] == "system.policy")["lacking"] == len(lacking)


# --- the dashboard -------------------------------------------------------------------------------


def row_cells(html: str, code: str) -> dict[str, str]:
    """The dashboard table's cells of the municipality's row, by their label, as text."""
    link = f'<a href="/coordination/municipalities/{code}/next-steps/">'
    table = html[html.index('id="table-heading"') :]  # not the needs-attention list above it
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if link in row]
    assert len(rows) == 1, code
    return {
        label: re.sub(r"<[^>]+>", "", text).strip()
        for label, text in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', rows[0], re.S)
    }


def test_the_dashboard_row_shows_the_composite_nationally_and_within_the_size_class(en_client, people, answers, home):
    en_client.force_login(people["coordinator"])
    page = en_client.get("/coordination/20/")
    assert page.status_code == 200
    scores = scores_of(home)
    assert set(scores) == {m.code for m in home_municipalities(home)}
    shown = {}
    for code, score in scores.items():
        cells = row_cells(page.text, code)
        shown[code] = (cells["Composite"], cells["Within size class"])
        assert shown[code] == (floatformat(score.composite, 1), floatformat(score.peer_composite, 1)), code
    # The two columns differ somewhere, so neither passes for the other.
    assert any(national != within for national, within in shown.values())


# --- the council report's progress ---------------------------------------------------------------


def label(status: CouncilReport.Status) -> str:
    with translation.override("ja"):
        return str(status.label)


@pytest.fixture
def waiting(coordinator, answers, django_capture_on_commit_callbacks) -> CouncilReport:
    """A report the coordinator asked for that no worker has picked up yet."""
    with django_capture_on_commit_callbacks(execute=False):
        coordinator.post("/coordination/20/reports/")
    return CouncilReport.objects.get()


def test_a_report_not_yet_picked_up_shows_as_waiting_at_zero_percent(coordinator, waiting):
    page = coordinator.get(f"/coordination/reports/{waiting.pk}/").text
    assert '<progress id="progress-bar" max="100" value="0">' in page
    assert '<span data-progress-percent aria-live="polite">0%</span>' in page
    assert f"<span data-progress-status>{label(CouncilReport.Status.PENDING)}</span>" in page
    assert 'data-done=""' in page  # so progress.js keeps polling
    assert coordinator.get(f"/coordination/reports/{waiting.pk}/progress/").json() == {
        "progress": 0,
        "status_label": label(CouncilReport.Status.PENDING),
        "done": False,
    }


def test_the_report_records_each_step_in_order_while_it_is_made_and_ends_done(coordinator, waiting):
    url = f"/coordination/reports/{waiting.pk}/progress/"
    seen: list[tuple[Any, ...]] = []

    def watched(real):
        # Look at the report as the page would, at the moment the worker starts this part.
        def watch(*args, **kwargs):
            row = CouncilReport.objects.get(pk=waiting.pk)
            seen.append((row.status, row.step, row.progress, coordinator.get(url).json()))
            return real(*args, **kwargs)

        return watch

    with (
        mock.patch.object(council, "report_data", watched(council.report_data)),
        mock.patch.object(council, "render_pdf", watched(council.render_pdf)),
        mock.patch.object(council, "render_xlsx", watched(council.render_xlsx)),
    ):
        assert tasks.make_council_report.delay(report_id=waiting.pk).get() == "done"

    assert [(status, step) for status, step, _p, _json in seen] == [
        ("running", "data"),
        ("running", "pdf"),
        ("running", "xlsx"),
    ]
    progress = [p for _s, _step, p, _json in seen]
    assert 0 < progress[0] and progress == sorted(set(progress)) and progress[-1] < 100
    running = label(CouncilReport.Status.RUNNING)
    assert [json for *_row, json in seen] == [{"progress": p, "status_label": running, "done": False} for p in progress]

    made = CouncilReport.objects.get(pk=waiting.pk)
    assert (made.status, made.step, made.progress) == ("done", "done", 100)
    done = label(CouncilReport.Status.DONE)
    assert coordinator.get(url).json() == {"progress": 100, "status_label": done, "done": True}
    page = coordinator.get(f"/coordination/reports/{waiting.pk}/").text
    assert '<progress id="progress-bar" max="100" value="100">' in page


# --- the council report's PDF --------------------------------------------------------------------


@pytest.fixture
def made(answers, home, people, django_capture_on_commit_callbacks) -> tuple[CouncilReport, selectors.Dashboard]:
    """A report made by the worker after every home municipality submitted this year's self-assessment
    (so only the lowest composites need attention), with the dashboard it reports."""
    for municipality in home_municipalities(home):
        Assessment.objects.create(municipality=municipality, fiscal_year=YEAR, status=Assessment.Status.SUBMITTED)
    prefecture = home["prefecture"].prefecture
    with django_capture_on_commit_callbacks(execute=True):
        report = services.council_report_request(prefecture=prefecture, by=people["coordinator"])
    report.refresh_from_db()
    assert report.status == CouncilReport.Status.DONE, report.error
    return report, selectors.prefecture_dashboard(user=people["coordinator"], prefecture=prefecture)


def pdf_of(report: CouncilReport) -> PdfReader:
    with report.pdf.open("rb") as file:
        return PdfReader(io.BytesIO(file.read()))


def test_the_report_pdf_names_the_municipalities_that_need_attention_and_no_others(made):
    report, dashboard = made
    text = "".join(page.extract_text() for page in pdf_of(report).pages)
    attention = {row.municipality.name for row in dashboard.attention}
    others = {row.municipality.name for row in dashboard.rows} - attention
    assert attention and others  # some do and some do not
    names = attention | others
    assert not any(a != b and a in b for a in names for b in names)  # no name hides inside another
    assert {name for name in names if name in text} == attention


def fill_colours_of_shapes(reader: PdfReader) -> list[str]:
    """The fill colour (#rrggbb) of each shape the first page both fills and strokes, in drawing order:
    what WeasyPrint makes of the map's <path fill=… stroke=…>; nothing else on the page is drawn so."""
    colour, saved, shapes = "#000000", [], []
    for operands, operator in ContentStream(reader.pages[0].get_contents(), reader).operations:
        if operator == b"q":
            saved.append(colour)
        elif operator == b"Q":
            colour = saved.pop()
        elif operator == b"rg":
            colour = "#" + "".join(f"{round(float(v) * 255):02x}" for v in operands)
        elif operator in (b"B", b"B*"):
            shapes.append(colour)
    return shapes


def test_the_report_pdf_draws_the_map_with_each_municipality_coloured_by_its_composite(made, home, mapped):
    report, _dashboard = made
    composites = {code: score.composite for code, score in scores_of(home).items()}
    features = charts.municipality_features(home["prefecture"].prefecture.pref_code)
    expected = [charts.colour(composites.get(f["properties"]["code"])) for f in features]
    # The scored municipalities on the map (the mapped ones, and the factory's if their codes happen to be
    # on it) are coloured, so the map is not all "no data".
    on_map = {f["properties"]["code"] for f in features} & set(composites)
    assert len(on_map) >= len(mapped) and sum(c != charts.NO_DATA for c in expected) == len(on_map)
    assert fill_colours_of_shapes(pdf_of(report)) == expected


def test_the_print_map_puts_each_mark_inside_its_municipalitys_shape(home, mapped):
    marks = {m.code: str(rank) for rank, m in enumerate(mapped, start=1)}
    svg = ElementTree.fromstring(  # noqa: S314 - our own SVG
        charts.municipality_svg(pref_code=home["prefecture"].prefecture.pref_code, values={}, marks=marks)
    )
    ns = "{http://www.w3.org/2000/svg}"
    boxes = {}
    for path in svg.iter(f"{ns}path"):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
        boxes[path.find(f"{ns}title").text] = (
            min(numbers[0::2]),
            max(numbers[0::2]),
            min(numbers[1::2]),
            max(numbers[1::2]),
        )
    drawn = {text.text: (float(text.get("x")), float(text.get("y"))) for text in svg.iter(f"{ns}text")}
    assert set(drawn) == set(marks.values())
    for municipality in mapped:
        x, y = drawn[marks[municipality.code]]
        west, east, top, bottom = boxes[municipality.name]
        assert west <= x <= east and top <= y <= bottom, municipality.name


def test_the_report_map_numbers_the_listed_municipalities_by_their_rank(made, home, people):
    data = council.report_data(prefecture=home["prefecture"].prefecture, user=people["coordinator"])
    expected = charts.municipality_svg(
        pref_code=home["prefecture"].prefecture.pref_code,
        values={row.municipality.code: row.score.composite for row in data.dashboard.rows if row.score},
        marks={row.municipality.code: str(rank) for rank, row in enumerate(data.attention, start=1)},
    )
    assert data.attention and data.map_svg == expected


def test_the_dashboards_map_is_coloured_and_labelled_as_the_reports(coordinator, answers):
    page = coordinator.get("/coordination/20/").content.decode()
    chart = json.loads(re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page, re.S)[1])
    (trace,) = chart["data"]
    colours = [colour for _edge, colour in trace["colorscale"]]
    assert colours[::2] == [colour for _from, _to, colour, _label in charts.BANDS]
    assert trace["colorbar"]["ticktext"] == ["40未満", "40–45", "45–50", "50–55", "55–60", "60以上"]
    assert (trace["zmin"], trace["zmax"]) == (charts.BANDS[0][0], charts.BANDS[-1][1])
    # The same band on the page as in print, for a score in each band.
    for low, high, colour, _label in charts.BANDS:
        middle = (low + high) / 2
        assert charts.colour(middle) == colour
        assert (
            colours[int((middle - trace["zmin"]) / (trace["zmax"] - trace["zmin"]) * len(charts.BANDS)) * 2] == colour
        )
