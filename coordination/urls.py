from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/new/<str:code>/", views.case_create, name="case_create"),
    path("goals/<int:pk>/", views.goal_detail, name="goal"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/progress/", views.report_progress, name="report_progress"),
    path("reports/<int:pk>/<str:kind>/", views.report_download, name="report_download"),
    path("municipalities/<str:code>/next-steps/", views.next_steps, name="next_steps"),
    path("<str:pref_code>/", views.dashboard, name="dashboard"),
    path("<str:pref_code>/gaps/", views.gaps, name="gaps"),
    path("<str:pref_code>/specialists/", views.specialists, name="specialists"),
    path("<str:pref_code>/goals/", views.goals, name="goals"),
    path("<str:pref_code>/reports/", views.reports, name="reports"),
]
