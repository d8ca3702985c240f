from django.urls import path

from .views import cases, dashboard, goals, pool, reports

app_name = "coordination"
# The fixed addresses first: a prefecture's code is matched by "<str:pref_code>/".
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/new/<str:code>/", cases.case_create, name="case_create"),
    path("goals/<int:pk>/", goals.goal_detail, name="goal"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/progress/", reports.report_progress, name="report_progress"),
    path("reports/<int:pk>/<str:kind>/", reports.report_download, name="report_download"),
    path("municipalities/<str:code>/next-steps/", dashboard.next_steps, name="next_steps"),
    path("municipalities/<str:code>/remind/", dashboard.remind, name="remind"),
    path("<str:pref_code>/", dashboard.dashboard, name="dashboard"),
    path("<str:pref_code>/gaps/", dashboard.gaps, name="gaps"),
    path("<str:pref_code>/survey-window/", dashboard.survey_window, name="survey_window"),
    path("<str:pref_code>/specialists/", pool.specialists, name="specialists"),
    path("<str:pref_code>/goals/", goals.goals, name="goals"),
    path("<str:pref_code>/reports/", reports.reports, name="reports"),
]
