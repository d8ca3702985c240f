"""Control characters typed (or pasted) into a form or an API body are removed before anything sees them;
tabs and line breaks stay (dx_platform/core/text.py)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessments.models import Kpi, Roadmap
from dx_platform.core.text import typed_text
from tests.assessments import load_catalog
from tests.assessments.test_api import kpi_payload
from tests.assessments.test_kpis import kpi_form

PASTED = "オンライン\x0c申請\x1b[0m\x00件数\x7f\x85"


def test_every_control_character_but_tab_and_line_breaks_is_removed():
    controls = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
    assert typed_text(f"a{controls}b") == "a\t\n\rb"
    assert typed_text({"k\x1b": ["x\x0cy", 3, None]}) == {"k": ["xy", 3, None]}


@pytest.mark.django_db
def test_a_kpi_named_with_control_characters_on_the_page_is_stored_without_them(client, region, people):
    town = region["home"]["town"].municipality
    client.force_login(people["editor"])
    response = client.post(f"/assessments/{town.code}/kpis/", kpi_form(people["viewer"], name=PASTED))
    assert response.status_code == 302
    assert Kpi.objects.get().name == "オンライン申請[0m件数"


@pytest.mark.django_db
def test_a_roadmaps_vision_keeps_its_paragraphs(client, region, people):
    town = region["home"]["town"].municipality
    client.force_login(people["editor"])
    data = {"title": "DX推進\x0b計画", "vision": "誰一人取り残さない\r\n\tデジタル化\x0c"}
    data |= {"period_start": "2026-04-01", "period_end": "2029-03-31"}
    response = client.post(f"/assessments/{town.code}/roadmaps/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert Roadmap.objects.values_list("title", "vision").get() == ("DX推進計画", "誰一人取り残さない\r\n\tデジタル化")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_a_kpi_named_with_control_characters_through_the_api_is_stored_without_them(region, people, fmt):
    load_catalog()
    api = APIClient()
    api.force_authenticate(people["editor"])
    payload = kpi_payload(region["home"]["town"].municipality.code, name=PASTED, unit="件\x1b")
    created = api.post("/api/v1/kpis/", payload, format=fmt)
    assert created.status_code == 201, created.json()
    assert (created.json()["name"], created.json()["unit"]) == ("オンライン申請[0m件数", "件")
    assert Kpi.objects.values_list("name", "unit").get() == ("オンライン申請[0m件数", "件")
