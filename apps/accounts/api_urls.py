from django.urls import path, re_path

from . import api

app_name = "auth"

urlpatterns = [
    path("register/", api.RegisterApi.as_view(), name="register"),
    path("login/", api.LoginApi.as_view(), name="login"),
    path("login/mfa/", api.LoginMfaApi.as_view(), name="login-mfa"),
    path("logout/", api.LogoutApi.as_view(), name="logout"),
    path("refresh/", api.RefreshApi.as_view(), name="refresh"),
    path("verify-email/", api.VerifyEmailApi.as_view(), name="verify-email"),
    path("verify-email/resend/", api.ResendVerificationApi.as_view(), name="verify-email-resend"),
    path("forgot-password/", api.ForgotPasswordApi.as_view(), name="forgot-password"),
    path("reset-password/", api.ResetPasswordApi.as_view(), name="reset-password"),
    path("change-password/", api.ChangePasswordApi.as_view(), name="change-password"),
    path("me/", api.MeApi.as_view(), name="me"),
    re_path(r"^me/export/?$", api.ExportApi.as_view(), name="export"),
    path("security-events/", api.SecurityEventListApi.as_view(), name="security-events"),
    path("api-keys/", api.ApiKeyListCreateApi.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>/", api.ApiKeyDetailApi.as_view(), name="api-key"),
    path("mfa/", api.MfaStatusApi.as_view(), name="mfa"),
    path("mfa/enroll/", api.MfaEnrollApi.as_view(), name="mfa-enroll"),
    path("mfa/confirm/", api.MfaConfirmApi.as_view(), name="mfa-confirm"),
    path("mfa/disable/", api.MfaDisableApi.as_view(), name="mfa-disable"),
    path("mfa/recovery-codes/", api.MfaRecoveryCodesApi.as_view(), name="mfa-recovery-codes"),
    path("users/<int:user_id>/", api.UserAccessApi.as_view(), name="user-access"),
]
