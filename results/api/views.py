"""Brand API for results and KPIs; thin: validate, call a service or selector, render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from results.api import serializers as s
from results.services import ingest
from tenants.permissions import BrandScopedMixin


class PostSnapshotBatchView(BrandScopedMixin, APIView):
    """Report lifetime figures of published posts, up to 500 snapshots per call. Counters never
    go down unless a snapshot is marked ``correction``; the same post and observed time again is
    idempotent. One bad snapshot refuses the batch with a 400 naming
    ``snapshots.<index>.<field>``, and nothing of it is stored."""

    write_action = "metrics.ingest"

    @extend_schema(request=s.PostSnapshotBatchSerializer, responses=s.IngestOutcomeSerializer)
    def post(self, request: Request) -> Response:
        body = s.PostSnapshotBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = ingest.ingest_post_snapshots(
            brand=self.brand, snapshots=body.validated_data["snapshots"]
        )
        return Response(s.IngestOutcomeSerializer(outcome).data)


class ChannelDayBatchView(BrandScopedMixin, APIView):
    """Report channels' daily figures (followers at the end of the day, profile visits,
    mentions by sentiment), up to 500 per call; a day sent again replaces it. One bad item
    refuses the batch with a 400 naming ``days.<index>.<field>``."""

    write_action = "metrics.ingest"

    @extend_schema(request=s.ChannelDayBatchSerializer, responses=s.IngestOutcomeSerializer)
    def post(self, request: Request) -> Response:
        body = s.ChannelDayBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = ingest.ingest_channel_days(days=body.validated_data["days"])
        return Response(s.IngestOutcomeSerializer(outcome).data)
