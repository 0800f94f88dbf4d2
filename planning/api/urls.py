from django.urls import path
from rest_framework.routers import SimpleRouter

from planning.api import views

router = SimpleRouter()
router.register("plan/pillars", views.PillarViewSet, basename="plan-pillar")
router.register("plan/cadence", views.CadenceViewSet, basename="plan-cadence")
router.register("plan/campaigns", views.CampaignViewSet, basename="plan-campaign")
router.register("plan/items", views.PlanItemViewSet, basename="plan-item")
router.register("plan/reviews", views.ReviewViewSet, basename="plan-review")
router.register("plan/proposals", views.ProposalViewSet, basename="plan-proposal")
router.register("plan/learnings", views.LearningViewSet, basename="plan-learning")

urlpatterns = [
    path("plan/months/", views.PlanMonthsView.as_view(), name="plan-months"),
    path("plan/gaps/", views.PlanGapsView.as_view(), name="plan-gaps"),
    path("plan/settings/", views.PlanSettingsView.as_view(), name="plan-settings"),
    *router.urls,
]
