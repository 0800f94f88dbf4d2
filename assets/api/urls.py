from django.urls import path

from assets.api import resumable, views

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="assets"),
    path("assets/uploads/", resumable.ResumableUploadsView.as_view(), name="asset-uploads"),
    path(
        "assets/uploads/<uuid:token>/",
        resumable.ResumableUploadView.as_view(),
        name="asset-upload",
    ),
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("drafts/<int:pk>/assets/", views.DraftAssetsView.as_view(), name="draft-assets"),
]
