"""Routes for requests on a brand's own hostname: the brand's routes without the prefix."""

from django.urls import include, path

urlpatterns = [
    path("", include("brandroom.brand_urls")),
]
