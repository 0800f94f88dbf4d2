"""Routes under one brand, mounted at /brands/<slug>/ and at a brand's own hostname."""

from django.urls import include, path

from tenants.api.brand_views import BrandRootView

api_v1 = [
    path("", BrandRootView.as_view(), name="brand-root"),
    path("", include("content.api.urls")),
    path("", include("assets.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("media.api.urls")),
    path("", include("results.api.urls")),
    path("", include("planning.api.urls")),
    path("", include("discussion.api.urls")),
    path("", include("listening.api.urls")),
    path("", include("integrations.api.urls")),
    path("", include("tenants.audit.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
]
