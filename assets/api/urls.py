from django.urls import path

from assets.api import alt_text, resumable, views

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
    path(
        "drafts/<int:pk>/alt-text-suggestions/",
        alt_text.DraftAltTextSuggestionsView.as_view(),
        name="draft-alt-text-suggestions",
    ),
    path(
        "alt-text-suggestions/<int:pk>/",
        alt_text.AltTextSuggestionDetailView.as_view(),
        name="alt-text-suggestion-detail",
    ),
    path(
        "alt-text-suggestions/<int:pk>/accept/",
        alt_text.AcceptAltTextSuggestionView.as_view(),
        name="alt-text-suggestion-accept",
    ),
]
