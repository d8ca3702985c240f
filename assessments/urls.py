from django.urls import path

from .views import assessments, kpis, roadmaps

app_name = "assessments"
urlpatterns = [
    path("", assessments.assessment_list, name="list"),
    path("review/<str:pref_code>/", assessments.review_list, name="review"),
    path("kpis/<int:pk>/", kpis.kpi_detail, name="kpi"),
    path("roadmaps/<int:pk>/", roadmaps.roadmap_detail, name="roadmap"),
    path("initiatives/<int:pk>/", roadmaps.initiative_detail, name="initiative"),
    path("<str:code>/roadmaps/", roadmaps.roadmap_list, name="roadmaps"),
    path("<str:code>/kpis/", kpis.kpi_list, name="kpis"),
    path("<str:code>/<int:year>/", assessments.assessment_detail, name="detail"),
    path("<str:code>/<int:year>/submit/", assessments.assessment_submit, name="submit"),
    path("<str:code>/<int:year>/review/", assessments.assessment_review, name="review_one"),
    path("<str:code>/<int:year>/import/", assessments.assessment_import, name="import"),
    path("<str:code>/<int:year>/evidence/<str:item>/", assessments.evidence_download, name="evidence"),
]
