from rest_framework.routers import SimpleRouter

from discussion.api import views

router = SimpleRouter()
router.register("notes", views.NoteViewSet, basename="note")

urlpatterns = router.urls
