"""Landing and home pages, probes, and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from dx_platform.organizations import permissions
from dx_platform.organizations.selectors import my_memberships, reference_counts

from . import health
from .fiscal import FiscalYear
from .home import home_sections
from .selectors import attention_items


def home(request: HttpRequest) -> HttpResponse:
    """The public landing page, or a signed-in user's next steps (each app's section), what needs them and
    their organisations."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html", {"counts": reference_counts()})
    return render(
        request,
        "core/home.html",
        {
            "memberships": my_memberships(user=user),
            "can_administer": permissions.can_administer_platform(user),
            "attention": attention_items(user=user),
            "sections": [
                render_to_string(section.template, section.context, request=request)
                for section in home_sections(user=user)
            ],
            "fiscal_year": FiscalYear.current(),
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and broker reachable; 503 naming what failed."""
    checks = health.readiness()
    ready = health.all_ok(checks)
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: the database may be what failed.
    return HttpResponse(render_to_string("errors/500.html"), status=500)
