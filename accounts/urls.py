from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.me, name="me"),
    path("users/", views.account_list, name="user_list"),
    path("users/new/", views.account_create, name="user_create"),
    path("users/<int:pk>/", views.account_detail, name="user_detail"),
    path("users/<int:pk>/role/", views.account_role, name="user_role"),
    path("users/<int:pk>/password/", views.account_password, name="user_password"),
    path("users/<int:pk>/deactivate/", views.account_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.account_reactivate, name="user_reactivate"),
    path("users/<int:pk>/unlock/", views.account_unlock, name="user_unlock"),
    path("users/<int:pk>/person/", views.account_person, name="user_person"),
]
