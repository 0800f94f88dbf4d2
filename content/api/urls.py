from django.urls import path
from rest_framework.routers import SimpleRouter

from content.api import views

router = SimpleRouter()
router.register("channels", views.ChannelViewSet, basename="channel")
router.register("voice/versions", views.VoiceVersionViewSet, basename="voice-version")
router.register("audiences", views.AudienceViewSet, basename="audience")
router.register("briefs", views.BriefViewSet, basename="brief")
router.register("inbox", views.InboxItemViewSet, basename="inbox-item")
router.register("drafts", views.DraftViewSet, basename="draft")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("voice/", views.VoiceView.as_view(), name="voice"),
    path("assistant/settings/", views.AssistantSettingsView.as_view(), name="assistant-settings"),
    path("assistant/usage/", views.UsageView.as_view(), name="assistant-usage"),
    *router.urls,
]
