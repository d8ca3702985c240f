"""National datasets: the list, one dataset with its import's progress, and the upload (platform staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.organizations import permissions

from .. import selectors
from ..forms import SurveyUploadForm
from ..models import Dataset
from ..services import imports


def dataset_list(request: HttpRequest) -> HttpResponse:
    """All national datasets with their origin and source; staff upload new ones here."""
    imports.datasets_expire()  # an import left by a dead worker shows as interrupted, not importing
    return render(
        request,
        "benchmarks/dataset_list.html",
        {
            "datasets": selectors.datasets_by_year(),
            "can_import": permissions.can_import_national_data(request.user),
        },
    )


@login_required
def dataset_upload(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_import_national_data(request.user):
        raise PermissionDenied(_("Only platform staff import national survey files."))
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dataset, created = imports.dataset_upload(
                upload=data["file"],
                fiscal_year=data["fiscal_year"].fiscal_year,
                name=data["name"],
                source=data["source"],
                name_en=data["name_en"],
                source_en=data["source_en"],
                origin=data["origin"],
                by=request.user,
                supersedes=data["supersedes"],
            )
        except imports.SurveyFileError as exc:
            form.add_error(None, exc.errors)
        else:
            if not created:
                messages.info(request, _("This file was imported before; nothing was imported again."))
            return redirect("benchmarks:dataset", pk=dataset.pk)
    return render(request, "benchmarks/dataset_upload.html", {"form": form}, status=400 if form.errors else 200)


def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imports.datasets_expire()
    dataset = get_object_or_404(selectors.dataset_list(), pk=pk)
    return render(
        request,
        "benchmarks/dataset_detail.html",
        {
            "dataset": dataset,
            "progress": imports.dataset_progress(dataset=dataset),
            "published": selectors.published_scores(fiscal_year=dataset.catalog.fiscal_year, dataset_id=dataset.pk),
            "changes": dataset.changes[:500],
            # Who imported the file and why it failed are for those who import national data.
            "can_import": permissions.can_import_national_data(request.user),
        },
    )


def dataset_progress(request: HttpRequest, pk: int) -> JsonResponse:
    imports.datasets_expire()
    dataset = get_object_or_404(selectors.dataset_list(), pk=pk)
    return JsonResponse(
        {
            "status": dataset.status,
            "status_label": dataset.get_status_display(),
            "progress": imports.dataset_progress(dataset=dataset),
            "done": dataset.status in (Dataset.Status.READY, Dataset.Status.FAILED),
        }
    )
