"""The product's routes plus the bench-only baseline view (see bench/views.py)."""

from django.urls import path

from bench.views import SingleSchemaChannelList
from brandroom.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path(
        "bench/single-schema/channels/",
        SingleSchemaChannelList.as_view({"get": "list"}),
        name="bench-single-schema-channels",
    ),
    *product_urlpatterns,
]
