from django.urls import path

from tenants.api import views

urlpatterns = [
    path("", views.PlatformRootView.as_view(), name="api-root"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", views.StaffTokenListView.as_view(), name="staff-token-list"),
    path(
        "auth/tokens/<slug:key>/",
        views.StaffTokenDetailView.as_view(),
        name="staff-token-detail",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("brands/", views.BrandListView.as_view(), name="brand-list"),
    path("brands/<slug:slug>/", views.BrandDetailView.as_view(), name="brand-detail"),
    path(
        "brands/<slug:slug>/memberships/",
        views.MembershipListView.as_view(),
        name="membership-list",
    ),
    path(
        "brands/<slug:slug>/memberships/<int:pk>/",
        views.MembershipDetailView.as_view(),
        name="membership-detail",
    ),
    path("brands/<slug:slug>/api-keys/", views.ApiKeyListView.as_view(), name="api-key-list"),
    path(
        "brands/<slug:slug>/api-keys/<int:pk>/revoke/",
        views.ApiKeyRevokeView.as_view(),
        name="api-key-revoke",
    ),
]
