from django.urls import path

from integrations.api import views

urlpatterns = [
    path(
        "webhooks/endpoints/",
        views.WebhookEndpointListView.as_view(),
        name="webhook-endpoint-list",
    ),
    path(
        "webhooks/endpoints/<int:pk>/",
        views.WebhookEndpointDetailView.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhooks/endpoints/<int:pk>/rotate-secret/",
        views.RotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhooks/endpoints/<int:pk>/redeliver/",
        views.EndpointRedeliverView.as_view(),
        name="webhook-endpoint-redeliver",
    ),
    path("webhooks/deliveries/", views.DeliveryListView.as_view(), name="webhook-delivery-list"),
    path(
        "webhooks/deliveries/<int:pk>/",
        views.DeliveryDetailView.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "webhooks/deliveries/<int:pk>/redeliver/",
        views.RedeliverView.as_view(),
        name="webhook-delivery-redeliver",
    ),
    path("webhooks/event-types/", views.EventTypeListView.as_view(), name="webhook-event-types"),
    path("events/", views.EventListView.as_view(), name="event-list"),
]
