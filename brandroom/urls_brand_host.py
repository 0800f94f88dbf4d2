"""Routes for requests on a brand's own hostname: the brand's routes without the prefix."""

from django.urls import include, path

urlpatterns = [
    path("", include("brandroom.brand_urls")),
]

# Unmatched URLs and errors outside DRF answer in the API's JSON error format, not HTML.
handler404 = "brandroom.errors.page_not_found"
handler500 = "brandroom.errors.server_error"
