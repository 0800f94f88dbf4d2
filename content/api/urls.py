from rest_framework.routers import SimpleRouter

from content.api import views

router = SimpleRouter()
router.register("channels", views.ChannelViewSet, basename="channel")

urlpatterns = router.urls
