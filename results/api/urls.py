from django.urls import path

from results.api import views

urlpatterns = [
    path(
        "results/post-snapshots/",
        views.PostSnapshotBatchView.as_view(),
        name="results-post-snapshots",
    ),
    path("results/channel-days/", views.ChannelDayBatchView.as_view(), name="results-channel-days"),
]
