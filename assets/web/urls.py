from django.urls import path

from assets.web import views

urlpatterns = [
    path("<str:token>/", views.asset_file, name="asset-file"),
]
