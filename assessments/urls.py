from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("review/<str:pref_code>/", views.review_list, name="review"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi"),
    path("roadmaps/<int:pk>/", views.roadmap_detail, name="roadmap"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path("<str:code>/roadmaps/", views.roadmap_list, name="roadmaps"),
    path("<str:code>/kpis/", views.kpi_list, name="kpis"),
    path("<str:code>/<int:year>/", views.assessment_detail, name="detail"),
    path("<str:code>/<int:year>/submit/", views.assessment_submit, name="submit"),
    path("<str:code>/<int:year>/review/", views.assessment_review, name="review_one"),
    path("<str:code>/<int:year>/import/", views.assessment_import, name="import"),
    path("<str:code>/<int:year>/evidence/<str:item>/", views.evidence_download, name="evidence"),
]
