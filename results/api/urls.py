from django.urls import path

from results.api import views

urlpatterns = [
    path(
        "results/post-snapshots/",
        views.PostSnapshotBatchView.as_view(),
        name="results-post-snapshots",
    ),
    path("results/channel-days/", views.ChannelDayBatchView.as_view(), name="results-channel-days"),
    path("results/posts/", views.PostResultsView.as_view(), name="results-posts"),
    path(
        "results/posts/export/", views.PostResultsExportView.as_view(), name="results-posts-export"
    ),
    path("results/breakdown/", views.BreakdownView.as_view(), name="results-breakdown"),
    path("results/figures/", views.FiguresView.as_view(), name="results-figures"),
    path("results/settings/", views.ResultsSettingsView.as_view(), name="results-settings"),
    path("departments/", views.DepartmentListView.as_view(), name="departments"),
    path(
        "departments/<int:pk>/members/",
        views.DepartmentMembersView.as_view(),
        name="department-members",
    ),
    path(
        "departments/<int:pk>/members/<int:user_id>/",
        views.DepartmentMemberView.as_view(),
        name="department-member",
    ),
    path("kpis/", views.KpiListView.as_view(), name="kpis"),
    path("readiness/", views.ReadinessView.as_view(), name="readiness"),
    path("readiness/history/", views.ReadinessHistoryView.as_view(), name="readiness-history"),
    path("kpis/catalogue/", views.CatalogueView.as_view(), name="kpi-catalogue"),
    path("kpis/<int:pk>/", views.KpiDetailView.as_view(), name="kpi-detail"),
]
