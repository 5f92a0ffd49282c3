"""Top-level routes: pages, the REST API under /api/v1/, its schema and docs, health, admin."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import health
from apps.core import views as core_views

api_v1 = [
    path("", include("apps.core.api_urls")),
    path("auth/", include("apps.accounts.api_urls")),
    path("market/", include("apps.market.api_urls")),
    path("portfolio/", include("apps.portfolio.api_urls")),
    path("nlp/", include("apps.nlp.api_urls")),
    path("vision/", include("apps.vision.api_urls")),
    path("codegen/", include("apps.codegen.api_urls")),
    path("proposals/", include("apps.proposals.api_urls")),
    path("guardian/", include("apps.proposals.guardian_urls")),
    path("imperium/", include("apps.proposals.imperium_urls")),
    path("conquest/", include("apps.proposals.conquest_urls")),
]

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name none (the admin's).
    path("favicon.ico", core_views.favicon),
    path("health", health.health, name="health"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/health", health.ready, name="api-health"),
    path("metrics", health.metrics_view, name="metrics"),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI (served locally from drf-spectacular-sidecar) writes inline styles; scripts stay 'self'.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("market/", include("apps.market.urls")),
    path("portfolio/", include("apps.portfolio.urls")),
    path("nlp/", include("apps.nlp.urls")),
    path("vision/", include("apps.vision.urls")),
    path("codegen/", include("apps.codegen.urls")),
    path("proposals/", include("apps.proposals.urls")),
    path("", include("apps.core.urls")),
]

handler400 = "apps.core.errors.bad_request"
handler403 = "apps.core.errors.permission_denied"
handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"
