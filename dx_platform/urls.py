"""Root URLs: pages, allauth, the API and its schema, probes."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dx_platform.core import views as core_views

# The admin signs in through allauth, so its rate limits and two-factor step apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

handler403 = "dx_platform.core.views.error_403"
handler404 = "dx_platform.core.views.error_404"
handler500 = "dx_platform.core.views.error_500"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("me/", include("dx_platform.accounts.urls")),
    path("notifications/", include("dx_platform.notifications.urls")),
    path("audit/", include("dx_platform.audit.urls")),
    path("", include("dx_platform.organizations.urls")),
    path("benchmarks/", include("benchmarks.urls")),
    path("assessments/", include("assessments.urls")),
    path("community/", include("community.urls")),
    path("coordination/", include("coordination.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("dx_platform.organizations.api.urls")),
    path("api/v1/benchmarks/", include("benchmarks.api.urls")),
    path("api/v1/", include("assessments.api.urls")),
    path("api/v1/community/", include("community.api.urls")),
    path("api/v1/coordination/", include("coordination.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
