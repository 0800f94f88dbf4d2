from django.urls import path

from tenants.audit.api import views

urlpatterns = [
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit-export"),
]
