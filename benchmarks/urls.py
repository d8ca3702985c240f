from django.urls import path

from . import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("prefectures/<str:pref_code>/", views.prefecture, name="prefecture"),
    path("municipalities/<str:code>/", views.municipality, name="municipality"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/upload/", views.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/progress/", views.dataset_progress, name="dataset_progress"),
]
