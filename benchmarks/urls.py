from django.urls import path

from . import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("prefectures/<str:pref_code>/", views.prefecture, name="prefecture"),
    path("municipalities/<str:code>/", views.municipality, name="municipality"),
    path("municipalities/<str:code>/notes/", views.note_add, name="note_add"),
    path("notes/<int:pk>/delete/", views.note_delete, name="note_delete"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/upload/", views.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/progress/", views.dataset_progress, name="dataset_progress"),
]
