from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("municipalities/", views.municipality_directory, name="municipalities"),
    path("municipalities/<str:code>/", views.municipality_detail, name="municipality"),
    path("organizations/", views.organization_list, name="list"),
    path("organizations/<int:pk>/", views.organization_detail, name="detail"),
    path("organizations/<int:pk>/invitations/", views.invitation_create, name="invite"),
    path("organizations/<int:pk>/mfa/", views.mfa_policy, name="mfa_policy"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("members/<int:pk>/role/", views.membership_change_role, name="member_role"),
    path("members/<int:pk>/remove/", views.membership_remove, name="member_remove"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
