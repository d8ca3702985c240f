"""KPI pages: a municipality's KPIs against their plan, one KPI with its measurements and trend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, version_field
from dx_platform.core.downloads import FORMATS, table_response
from dx_platform.organizations import permissions

from .. import charts, exports, selectors, services
from ..forms import KpiForm, MeasurementForm, MeasurementUploadForm
from ..models import Kpi
from .assessments import organization_or_404

STATUS_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "off_track": gettext_lazy("Off track"),
    "no_data": gettext_lazy("No measurement yet"),
}


@login_required
def kpi_list(request: AuthenticatedRequest, code: str) -> HttpResponse:
    organization, municipality = organization_or_404(request, code)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    listed = selectors.kpi_list(user=request.user, municipality=municipality)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.kpi_table(listed)
        return table_response(header=header, rows=rows, filename=f"{code}-kpis", fmt=fmt)
    form = KpiForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators manage KPIs."))
        if form.is_valid():
            try:
                kpi = services.kpi_save(municipality=municipality, given=form.given(), by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The KPI was created."))
                return redirect("assessments:kpi", pk=kpi.pk)
    return render(
        request,
        "assessments/kpi_list.html",
        {
            "organization": organization,
            "kpis": [(kpi, status, STATUS_LABELS[status.code]) for kpi, status in listed],
            "form": form if can_edit else None,
            "formats": FORMATS,
        },
        status=400 if form.errors else 200,
    )


def _kpi(request: AuthenticatedRequest, pk: int) -> Kpi:
    kpi = selectors.kpi_for(user=request.user, pk=pk)
    if kpi is None:
        raise Http404(_("No such KPI among those you may read."))
    return kpi


@login_required
def kpi_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    organization = selectors.organization_of(municipality=kpi.municipality)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    edit_form = KpiForm(instance=kpi, municipality=kpi.municipality)
    version_field(edit_form, kpi)
    measurement_form = MeasurementForm()
    upload_form = MeasurementUploadForm()
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators manage KPIs."))
        action = request.POST.get("action")
        try:
            if action == "measure":
                measurement_form = MeasurementForm(request.POST)
                if measurement_form.is_valid():
                    services.measurement_add(kpi=kpi, by=request.user, **measurement_form.cleaned_data)
                    messages.success(request, _("The measurement was recorded."))
                    return redirect("assessments:kpi", pk=kpi.pk)
            elif action == "upload":
                upload_form = MeasurementUploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    upload = upload_form.cleaned_data["file"]
                    count = services.measurements_import(
                        kpi=kpi, data=upload.read(), file_name=upload.name or "upload.csv", by=request.user
                    )
                    messages.success(request, _("%(n)d measurements imported.") % {"n": count})
                    return redirect("assessments:kpi", pk=kpi.pk)
            else:
                edit_form = KpiForm(request.POST, instance=kpi, municipality=kpi.municipality)
                version_field(edit_form, kpi)
                if edit_form.is_valid():
                    services.kpi_save(
                        municipality=kpi.municipality,
                        given=edit_form.given(),
                        by=request.user,
                        kpi=kpi,
                        version=edit_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The KPI was saved."))
                    return redirect("assessments:kpi", pk=kpi.pk)
            status_code = 400
        except ValidationError as exc:
            form = {"measure": measurement_form, "upload": upload_form}.get(action or "", edit_form)
            form.add_error(None, exc)
            status_code = 400
        except Stale as exc:
            refuse_stale(edit_form, exc)
            status_code = 409
        # Read again: a refused edit leaves the form's values on the instance.
        kpi = _kpi(request, pk)
    status = selectors.kpi_status(kpi)
    measurements = selectors.measurements_of(kpi=kpi)
    chart = charts.kpi_trend(
        dates=[m.measured_on for m in measurements],
        values=[m.value for m in measurements],
        baseline=(kpi.baseline_date, kpi.baseline_value),
        target=(kpi.target_date, kpi.target_value),
        today=timezone.localdate(),
        labels={"plan": _("Plan"), "measured": _("Measured"), "title": kpi.name, "unit": kpi.unit},
    )
    return render(
        request,
        "assessments/kpi_detail.html",
        {
            "kpi": kpi,
            "organization": organization,
            "status": status,
            "status_label": STATUS_LABELS[status.code],
            "progress_percent": None if status.progress is None else round(100 * status.progress),
            "measurements": measurements,
            "chart": chart,
            "can_edit": can_edit,
            "edit_form": edit_form,
            "measurement_form": measurement_form,
            "upload_form": upload_form,
        },
        status=status_code,
    )
