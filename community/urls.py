"""Community pages under /community/: each area's views module lists its own addresses."""

from django.urls import path

from .views import cases, discussion, market, procurement, search

app_name = "community"
urlpatterns = [
    path("", search.search_page, name="search"),
    *cases.urlpatterns,
    *market.urlpatterns,
    *procurement.urlpatterns,
    *discussion.urlpatterns,
]
