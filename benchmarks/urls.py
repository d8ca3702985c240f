from django.urls import path

from .views import datasets, items, notes, scores

app_name = "benchmarks"
urlpatterns = [
    path("", scores.overview, name="overview"),
    path("achievements/", scores.achievements, name="achievements"),
    path("prefectures/<str:pref_code>/", scores.prefecture, name="prefecture"),
    path("items/", items.national, name="items"),
    path("items/prefectures/<str:pref_code>/", items.prefecture, name="items_prefecture"),
    path("items/<str:code>/", items.item, name="item"),
    path("municipalities/<str:code>/", scores.municipality, name="municipality"),
    path("municipalities/<str:code>/notes/", notes.note_add, name="note_add"),
    path("notes/<int:pk>/delete/", notes.note_delete, name="note_delete"),
    path("datasets/", datasets.dataset_list, name="datasets"),
    path("datasets/upload/", datasets.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", datasets.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/progress/", datasets.dataset_progress, name="dataset_progress"),
]
