"""The brand's own API root: who the brand is, who is asking, and where its resources are."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom import roots
from tenants.api.serializers import BrandSerializer
from tenants.permissions import BrandScopedMixin


class BrandRootView(BrandScopedMixin, APIView):
    read_action = "brand.read"

    @extend_schema(responses=BrandSerializer)
    def get(self, request: Request) -> Response:
        body = BrandSerializer(self.brand).data
        body["your_role"] = getattr(request._request, "brand_role", None)
        body["links"] = roots.links(
            request._request, prefix=roots.BRAND_API_PREFIX, base=request.path
        )
        return Response(body)
