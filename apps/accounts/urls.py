from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_view, name="account"),
    path("signup/", views.signup_view, name="signup"),
    path("login/", views.login_view, name="login"),
    path("login/mfa/", views.login_mfa_view, name="login-mfa"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify-email/<str:uidb64>/<str:token>/", views.verify_email_view, name="verify-email"),
    path("password/forgot/", views.forgot_password_view, name="forgot-password"),
    path("password/reset/<str:uidb64>/<str:token>/", views.reset_password_view, name="reset-password"),
    path("api-keys/<int:key_id>/revoke/", views.revoke_api_key_view, name="revoke-api-key"),
    path("delete/", views.delete_account_view, name="delete"),
    path("export/", views.export_view, name="export"),
]
