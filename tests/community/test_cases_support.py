"""Helpers of the practice-case tests (no tests here): a case as its author writes it, files of each kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from community.models import PracticeCase
from community.services import cases as services
from dx_platform.organizations.models import Organization

# A small valid PDF: filetype tells it by its first bytes.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

DEFAULTS = services.CaseInput(
    title="書かない窓口の導入",
    problem="住民が窓口で同じことを何枚もの申請書に書いていた。",
    what_was_done="書かない窓口の導入で、職員が聞き取って申請書を作るようにした。",
    outcome=PracticeCase.Outcome.SUCCESS,
)


def case_input(**changes: Any) -> services.CaseInput:
    return replace(DEFAULTS, **changes)


def write_case(organization: Organization, by: Any, *, publish: bool = False, **changes: Any) -> PracticeCase:
    """A case written through the services, as a draft or published."""
    case = services.practice_case_save(organization=organization, given=case_input(**changes), by=by)
    if publish:
        case = services.practice_case_publish(case=case, by=by)
    return case


def pdf(name: str = "仕様書.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def zip_archive(name: str = "scenario.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Main.xaml", "<Activity/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")
