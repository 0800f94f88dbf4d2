"""Brand API for integrations: webhook endpoints, their delivery log, and the event feed.
Thin: validate, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom.http.idempotency import shows_a_secret
from integrations import selectors, services
from integrations.api import serializers as s
from integrations.events import EventType
from integrations.fresh_media import with_fresh_media_urls_of_many
from integrations.models import Delivery, Event, WebhookEndpoint
from tenants.models import User
from tenants.permissions import BrandScopedMixin


class WebhookEndpointListView(BrandScopedMixin, generics.ListAPIView):
    """The brand's webhook endpoints; agency admins register new ones here."""

    serializer_class = s.WebhookEndpointSerializer
    read_action = "webhooks.manage"
    write_action = "webhooks.manage"
    filterset_fields = ["status"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.endpoints()

    @extend_schema(
        request=s.WebhookEndpointSerializer,
        responses={201: s.WebhookEndpointCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        data = s.WebhookEndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        endpoint, secret = services.create_endpoint(
            url=values["url"],
            event_types=values.get("event_types", []),
            description=values.get("description", ""),
            created_by=request.user if isinstance(request.user, User) else None,
        )
        body = s.WebhookEndpointSerializer(endpoint).data | {"secret": secret}
        return shows_a_secret(
            Response(body, status=status.HTTP_201_CREATED),
            original=f"created webhook endpoint {endpoint.pk}",
        )


class WebhookEndpointDetailView(BrandScopedMixin, APIView):
    """One endpoint: read it, change its URL, filter or status (re-enable), or delete it."""

    read_action = "webhooks.manage"
    write_action = "webhooks.manage"

    @extend_schema(responses=s.WebhookEndpointSerializer)
    def get(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(selectors.endpoints(), pk=pk)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=s.WebhookEndpointUpdateSerializer, responses=s.WebhookEndpointSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(selectors.endpoints(), pk=pk)
        data = s.WebhookEndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_endpoint(endpoint=endpoint, **data.validated_data)
        endpoint = get_object_or_404(selectors.endpoints(), pk=pk)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.delete_endpoint(endpoint=get_object_or_404(selectors.endpoints(), pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotateSecretView(BrandScopedMixin, APIView):
    """Replace the endpoint's signing secret; the old one keeps signing alongside for 24 hours."""

    write_action = "webhooks.manage"

    @extend_schema(request=None, responses=s.WebhookEndpointCreatedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(selectors.endpoints(), pk=pk)
        endpoint, secret = services.rotate_endpoint_secret(endpoint=endpoint, now=timezone.now())
        return shows_a_secret(
            Response(s.WebhookEndpointSerializer(endpoint).data | {"secret": secret}),
            original=f"rotated the signing secret of webhook endpoint {endpoint.pk}",
        )


class EndpointRedeliverView(BrandScopedMixin, APIView):
    """Send the endpoint everything it missed since a time: what was held while it was disabled
    and every event whose last delivery failed. Answers how many of each are on their way."""

    write_action = "webhooks.manage"

    @extend_schema(request=s.RedeliverSinceSerializer, responses={202: s.RedeliveredSerializer})
    def post(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(selectors.endpoints(), pk=pk)
        data = s.RedeliverSinceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counts = services.redeliver_since(endpoint=endpoint, since=data.validated_data["since"])
        return Response(s.RedeliveredSerializer(counts).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListView(BrandScopedMixin, generics.ListAPIView):
    """The delivery log, newest first, with every attempt's answer."""

    serializer_class = s.DeliverySerializer
    read_action = "webhooks.manage"
    filterset_fields = ["endpoint", "status"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return selectors.deliveries()


class DeliveryDetailView(BrandScopedMixin, generics.RetrieveAPIView):
    serializer_class = s.DeliverySerializer
    read_action = "webhooks.manage"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return selectors.deliveries()


class RedeliverView(BrandScopedMixin, APIView):
    """Send the delivery's event to its endpoint again (a new delivery in the log)."""

    write_action = "webhooks.manage"

    @extend_schema(request=None, responses={202: s.DeliverySerializer})
    def post(self, request: Request, pk: int) -> Response:
        delivery = get_object_or_404(Delivery.objects.select_related("endpoint"), pk=pk)
        again = services.redeliver(delivery=delivery)
        again = selectors.deliveries().get(pk=again.pk)
        return Response(s.DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


class EventListView(BrandScopedMixin, generics.ListAPIView):
    """The brand's events, newest first: the same feed the webhooks deliver, for pulling."""

    serializer_class = s.EventSerializer
    read_action = "events.read"
    filterset_fields = ["type"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        return selectors.events()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # An event pulled later than its asset links live gets links signed now, as a webhook
        # retry does (integrations.fresh_media); what was stored stays as it was.
        response = super().list(request, *args, **kwargs)
        page = response.data["results"]
        fresh = with_fresh_media_urls_of_many(
            datas=[event["data"] for event in page], brand=self.brand, now=timezone.now()
        )
        for event, data in zip(page, fresh, strict=True):
            event["data"] = data
        return response


class EventTypeListView(BrandScopedMixin, APIView):
    """Every event type a webhook endpoint can subscribe to."""

    read_action = "events.read"

    @extend_schema(responses=s.EventTypeSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([{"type": value} for value in EventType.values])
