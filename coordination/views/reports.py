"""Council reports: a prefecture's list and asking for one, one report's progress and its files."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from dx_platform.core.auth import AuthenticatedRequest

from .. import selectors, services
from ..models import CouncilReport
from .common import coordinated

# The newest reports a prefecture's page lists.
LISTED = 20


@login_required
def reports(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    prefecture = coordinated(request, pref_code)
    if request.method == "POST":
        report = services.council_report_request(prefecture=prefecture, by=request.user)
        return redirect("coordination:report", pk=report.pk)
    listed = selectors.council_report_list(user=request.user, prefecture=prefecture)[:LISTED]
    return render(request, "coordination/reports.html", {"prefecture": prefecture, "reports": listed})


def _report(request: AuthenticatedRequest, pk: int) -> CouncilReport:
    report = selectors.council_report_for(user=request.user, pk=pk)
    if report is None:
        raise Http404
    return report


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "coordination/report_detail.html", {"report": _report(request, pk)})


@login_required
def report_progress(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    report = _report(request, pk)
    return JsonResponse(
        {
            "progress": report.progress,
            "status_label": report.get_status_display(),
            "done": report.finished,
        }
    )


@login_required
def report_download(request: AuthenticatedRequest, pk: int, kind: str) -> FileResponse:
    report = _report(request, pk)
    file = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not file or not file.name:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])
