"""Platform-level (public schema) content endpoints: an agency's AI usage across its brands."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from content import selectors
from tenants.models import Agency
from tenants.selectors import is_agency_admin


class BrandUsageSerializer(serializers.Serializer):
    brand = serializers.CharField()
    name = serializers.CharField()
    jobs = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=12, decimal_places=6)
    budget = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    remaining = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)


class AgencyUsageSerializer(serializers.Serializer):
    agency = serializers.CharField()
    month = serializers.CharField()
    jobs = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=6)
    brands = BrandUsageSerializer(many=True)


class AgencyUsageView(APIView):
    """This month's AI tokens and estimated cost of every brand of the agency (agency admins)."""

    @extend_schema(responses=AgencyUsageSerializer)
    def get(self, request: Request, slug: str) -> Response:
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None or not is_agency_admin(user=request.user, agency=agency):
            raise exceptions.NotFound("Agency not found.")
        body = selectors.agency_ai_usage(agency=agency, now=timezone.now())
        return Response(AgencyUsageSerializer(body).data)
