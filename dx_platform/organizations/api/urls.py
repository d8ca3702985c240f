from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import MeView, MunicipalityViewSet, OrganizationViewSet, PrefectureViewSet

router = DefaultRouter()
router.register("prefectures", PrefectureViewSet, basename="prefecture")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *router.urls]
