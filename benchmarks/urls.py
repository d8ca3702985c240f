from django.urls import path

from . import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("prefectures/<str:pref_code>/", views.prefecture, name="prefecture"),
    path("municipalities/<str:code>/", views.municipality, name="municipality"),
]
