"""Coordination API under /api/v1/coordination/."""

from rest_framework.routers import DefaultRouter

from .views import CaseViewSet, GoalViewSet, PrefectureViewSet, ReportViewSet

router = DefaultRouter()
router.register("prefectures", PrefectureViewSet, basename="coordination-prefecture")
router.register("cases", CaseViewSet, basename="coordination-case")
router.register("goals", GoalViewSet, basename="coordination-goal")
router.register("reports", ReportViewSet, basename="coordination-report")

urlpatterns = router.urls
