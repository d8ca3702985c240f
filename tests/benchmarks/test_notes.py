"""Context notes on scores: who may add them, and that they show wherever the score does."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from benchmarks.models import ScoreNote
from benchmarks.services.notes import score_note_add, score_note_delete

ALLOWED = ["editor", "admin", "coordinator", "staff"]
REFUSED = ["viewer", "partner", "national", "outsider"]


@pytest.mark.parametrize("role", ALLOWED)
def test_editors_admins_and_the_prefecture_add_notes(region, people, role):
    town = region["home"]["town"].municipality
    note = score_note_add(municipality=town, fiscal_year=2023, area="system", text="基幹系移行中", by=people[role])
    assert ScoreNote.objects.get(pk=note.pk).author == people[role]


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot(region, people, role):
    town = region["home"]["town"].municipality
    with pytest.raises(PermissionDenied):
        score_note_add(municipality=town, fiscal_year=2023, area="", text="x", by=people[role])
    assert not ScoreNote.objects.exists()


@pytest.mark.parametrize("role", ["editor", "admin", "coordinator"])
def test_nobody_annotates_another_prefectures_municipality(region, people, role):
    other_town = region["other"]["town"].municipality
    with pytest.raises(PermissionDenied):
        score_note_add(municipality=other_town, fiscal_year=2023, area="", text="x", by=people[role])
    note = ScoreNote.objects.create(municipality=other_town, fiscal_year=2023, text="theirs")
    with pytest.raises(PermissionDenied):
        score_note_delete(note=note, by=people[role])
    assert ScoreNote.objects.filter(pk=note.pk).exists()


def test_an_empty_note_is_refused(region, people):
    with pytest.raises(ValidationError):
        score_note_add(
            municipality=region["home"]["town"].municipality, fiscal_year=2023, area="", text="  ", by=people["editor"]
        )


@pytest.fixture
def scored(db, django_capture_on_commit_callbacks):
    # The import recomputes after its commit; run those callbacks inside the test transaction.
    with django_capture_on_commit_callbacks(execute=True):
        for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
            call_command(command, stdout=io.StringIO())


def test_a_note_shows_on_the_municipality_and_prefecture_pages(scored, client):
    from dx_platform.organizations.models import Membership, Municipality, Organization
    from tests.factories import UserFactory

    obuse = Municipality.objects.get(code="205419")
    user = UserFactory(is_staff=True)
    ScoreNote.objects.create(
        municipality=obuse, fiscal_year=2023, area="system", text="基幹系システム移行の年", author=user
    )
    ScoreNote.objects.create(municipality=obuse, fiscal_year=2021, text="別の年のメモ", author=user)
    page = client.get("/benchmarks/municipalities/205419/?year=2023").content.decode()
    assert "基幹系システム移行の年" in page
    assert "別の年のメモ" not in page
    assert "基幹系システム移行の年" in client.get("/benchmarks/prefectures/20/?year=2023").content.decode()

    # The town's editor gets the form; a signed-out visitor does not.
    assert 'name="text"' not in page
    editor = Membership.objects.create(
        user=UserFactory(), organization=Organization.objects.get(municipality=obuse), role="editor"
    ).user
    client.force_login(editor)
    response = client.post(
        "/benchmarks/municipalities/205419/notes/", {"fiscal_year": 2023, "area": "", "text": "庁内体制を見直し中"}
    )
    assert response.status_code == 302
    assert ScoreNote.objects.filter(text="庁内体制を見直し中", author=editor).exists()
    assert 'name="text"' in client.get("/benchmarks/municipalities/205419/?year=2023").content.decode()
