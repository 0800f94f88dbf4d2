"""The brand's own API root: who the brand is and who is asking."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api.serializers import BrandSerializer
from tenants.permissions import BrandScopedMixin


class BrandRootView(BrandScopedMixin, APIView):
    read_action = "brand.read"

    @extend_schema(responses=BrandSerializer)
    def get(self, request: Request) -> Response:
        body = BrandSerializer(self.brand).data
        body["your_role"] = getattr(request._request, "brand_role", None)
        return Response(body)
