from django.urls import path

from assets.api import views

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="assets"),
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("drafts/<int:pk>/assets/", views.DraftAssetsView.as_view(), name="draft-assets"),
]
