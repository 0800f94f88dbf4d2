"""The review page (mounted at /brands/<slug>/reviews/)."""

from django.urls import path

from planning.web import views

urlpatterns = [path("<int:review_id>/", views.review_page, name="review-page")]
