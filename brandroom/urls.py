"""Root routes: the platform API, docs, admin, and every brand under /brands/<slug>/."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.views import SpectacularSwaggerView

from brandroom.http.schema import SchemaView
from brandroom.roots import service_root

urlpatterns = [
    path("", service_root, name="service-root"),
    # Ahead of the admin's own sign-in, which has no brute-force limit.
    path("admin/", include("tenants.admin_urls")),
    path("admin/", admin.site.urls),
    path("approve/", include("approvals.web.urls")),
    path("cockpit/", include("tenants.attention.web.urls")),
    path("api/v1/", include("tenants.api.urls")),
    path("api/v1/", include("content.api.platform_urls")),
    path("api/v1/", include("tenants.attention.api.urls")),
    # Generated once per process and compressed (about 1 MB of JSON, a tenth of it gzipped).
    path("api/schema/", gzip_page(SchemaView.as_view()), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("brands/<slug:brand_slug>/approve/warnings/", include("listening.web.urls")),
    path("brands/<slug:brand_slug>/approve/", include("approvals.web.brand_urls")),
    path("brands/<slug:brand_slug>/results/", include("results.web.urls")),
    path("brands/<slug:brand_slug>/reviews/", include("planning.web.urls")),
    # Asset files behind signed, expiring URLs (assets.signing).
    path("brands/<slug:brand_slug>/files/", include("assets.web.urls")),
    path("brands/<slug:brand_slug>/", include("brandroom.brand_urls")),
]

# Unmatched URLs and errors outside DRF answer in the API's JSON error format, not HTML.
handler404 = "brandroom.errors.page_not_found"
handler500 = "brandroom.errors.server_error"
