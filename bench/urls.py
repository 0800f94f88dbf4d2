"""The product's routes plus the bench-only views (see bench/views.py)."""

from django.urls import path

from bench.views import BenchDraftList, SingleSchemaChannelList
from brandroom.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path(
        "bench/single-schema/channels/",
        SingleSchemaChannelList.as_view({"get": "list"}),
        name="bench-single-schema-channels",
    ),
    path(
        "brands/<slug:brand_slug>/bench/drafts/",
        BenchDraftList.as_view(),
        name="bench-draft-list",
    ),
    *product_urlpatterns,
]
