from rest_framework.routers import DefaultRouter

from .views import DatasetViewSet, ItemRateViewSet, MunicipalityScoreViewSet, PrefectureScoreViewSet, ScoreRunViewSet

router = DefaultRouter()
router.register("datasets", DatasetViewSet, basename="benchmark-dataset")
router.register("runs", ScoreRunViewSet, basename="benchmark-run")
router.register("prefecture-scores", PrefectureScoreViewSet, basename="benchmark-prefecture-score")
router.register("municipality-scores", MunicipalityScoreViewSet, basename="benchmark-municipality-score")

router.register("item-rates", ItemRateViewSet, basename="benchmark-item-rate")

urlpatterns = router.urls
