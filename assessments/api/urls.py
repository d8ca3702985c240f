from rest_framework.routers import DefaultRouter

from .views import AssessmentViewSet, InitiativeViewSet, KpiViewSet, MilestoneViewSet, RoadmapViewSet

router = DefaultRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("roadmaps", RoadmapViewSet, basename="roadmap")
router.register("initiatives", InitiativeViewSet, basename="initiative")
router.register("milestones", MilestoneViewSet, basename="milestone")

urlpatterns = router.urls
