"""Community API under /api/v1/community/: each area registers its viewsets."""

from rest_framework.routers import DefaultRouter

from . import cases, discussion, market, procurement, search

router = DefaultRouter()
for area in (cases, market, procurement, discussion, search):
    area.register(router)

urlpatterns = router.urls
