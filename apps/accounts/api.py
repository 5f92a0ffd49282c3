"""REST API of the accounts app (``/api/v1/auth/``): thin views over services and selectors."""

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from apps.core.api import DetailSerializer

from . import mfa, selectors, services
from .models import ApiKey, SecurityEvent, User
from .permissions import IsAdminRole

TOKENS = inline_serializer("Tokens", {"access": serializers.CharField(), "refresh": serializers.CharField()})


class PublicApi(APIView):
    """Endpoints used before signing in: no credentials read, anonymous rate limit."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request) -> str:
        # Without authenticators DRF would turn a 401 (wrong password) into a 403.
        return 'Bearer realm="api"'


class UserOutputSerializer(serializers.ModelSerializer):
    email_verified = serializers.BooleanField(read_only=True)
    mfa_enabled = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "role", "tier", "email_verified", "mfa_enabled", "date_joined"]


def token_response(user: User) -> dict:
    return {**services.issue_tokens(user=user), "user": UserOutputSerializer(user).data}


# --- sign-up, sign-in, tokens --------------------------------------------------------------------


class RegisterApi(PublicApi):
    class RegisterInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    @extend_schema(request=RegisterInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        data = self.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data, request=request._request)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(PublicApi):
    """Email + password → tokens, or an MFA challenge to answer at ``login/mfa/``."""

    class LoginInputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=LoginInputSerializer, responses={200: TOKENS})
    def post(self, request):
        data = self.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        login = services.check_password_login(request=request._request, **data.validated_data)
        if login.mfa_required:
            return Response(
                {
                    "mfa_required": True,
                    "mfa_token": services.tokens.make_mfa_challenge(login.user),
                    "expires_in": services.tokens.MFA_CHALLENGE_SECONDS,
                }
            )
        services.complete_login(request=request._request, user=login.user)
        return Response(token_response(login.user))


class LoginMfaApi(PublicApi):
    """Second step of a sign-in with MFA: the challenge and a TOTP or recovery code → tokens."""

    class LoginMfaInputSerializer(serializers.Serializer):
        mfa_token = serializers.CharField(max_length=1000)
        code = serializers.CharField(max_length=32)

    @extend_schema(request=LoginMfaInputSerializer, responses={200: TOKENS})
    def post(self, request):
        data = self.LoginMfaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_for_mfa_challenge(challenge=data.validated_data["mfa_token"])
        services.verify_second_factor(user=user, code=data.validated_data["code"], request=request._request)
        services.complete_login(request=request._request, user=user)
        return Response(token_response(user))


class RefreshApi(TokenRefreshView):
    """Rotate a refresh token: a new pair comes back and the old refresh token is dead."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class LogoutApi(APIView):
    class LogoutInputSerializer(serializers.Serializer):
        refresh = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=LogoutInputSerializer, responses={204: None})
    def post(self, request):
        data = self.LogoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        access = request.auth if getattr(request.auth, "token_type", None) == "access" else None
        services.logout(
            request=request._request, user=request.user, refresh=data.validated_data.get("refresh"), access_token=access
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- email and passwords -------------------------------------------------------------------------


class VerifyEmailApi(PublicApi):
    class VerifyEmailInputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)

    @extend_schema(request=VerifyEmailInputSerializer, responses={200: UserOutputSerializer})
    def post(self, request):
        data = self.VerifyEmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.verify_email(
            uidb64=data.validated_data["uid"], token=data.validated_data["token"], request=request._request
        )
        return Response(UserOutputSerializer(user).data)


class ResendVerificationApi(APIView):
    @extend_schema(request=None, responses={202: DetailSerializer})
    def post(self, request):
        if not request.user.email_verified:
            services.send_verification_email(user=request.user)
        return Response(
            {"detail": "If your email is not verified yet, a new link is on its way."}, status=status.HTTP_202_ACCEPTED
        )


class ForgotPasswordApi(PublicApi):
    class ForgotPasswordInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(request=ForgotPasswordInputSerializer, responses={202: DetailSerializer})
    def post(self, request):
        data = self.ForgotPasswordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_password_reset(email=data.validated_data["email"], request=request._request)
        # The same answer whether or not the account exists.
        return Response(
            {"detail": "If an account uses this email, a reset link has been sent to it."},
            status=status.HTTP_202_ACCEPTED,
        )


class ResetPasswordApi(PublicApi):
    class ResetPasswordInputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=ResetPasswordInputSerializer, responses={200: DetailSerializer})
    def post(self, request):
        data = self.ResetPasswordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reset_password(
            uidb64=data.validated_data["uid"],
            token=data.validated_data["token"],
            password=data.validated_data["password"],
            request=request._request,
        )
        return Response({"detail": "Your password has been changed; sign in with it."})


class ChangePasswordApi(APIView):
    class ChangePasswordInputSerializer(serializers.Serializer):
        current_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=ChangePasswordInputSerializer, responses={200: TOKENS})
    def post(self, request):
        data = self.ChangePasswordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(user=request.user, request=request._request, **data.validated_data)
        # Every earlier token is now void; hand back a fresh pair for this client.
        return Response(services.issue_tokens(user=request.user))


# --- profile and privacy -------------------------------------------------------------------------


class MeApi(APIView):
    class MeUpdateSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=150, allow_blank=True)

    class MeDeleteSerializer(serializers.Serializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=UserOutputSerializer)
    def patch(self, request):
        data = self.MeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, request=request._request, **data.validated_data)
        return Response(UserOutputSerializer(user).data)

    @extend_schema(request=MeDeleteSerializer, responses={204: None})
    def delete(self, request):
        data = self.MeDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.delete_account(user=request.user, password=data.validated_data["password"], request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportApi(APIView):
    """All of the caller's data as one JSON document (a download)."""

    @extend_schema(
        responses={200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="The user's data as JSON")}
    )
    def get(self, request):
        services.record_export(user=request.user, request=request._request)
        response = JsonResponse(selectors.export_user_data(user=request.user), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = 'attachment; filename="ai-platform-export.json"'
        return response


class SecurityEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = SecurityEvent
        fields = ["id", "kind", "kind_display", "ip_address", "user_agent", "metadata", "created_at"]


class SecurityEventListApi(ListAPIView):
    """The caller's own security log, newest first."""

    serializer_class = SecurityEventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SecurityEvent.objects.none()
        return selectors.security_events_of(user=self.request.user)


# --- API keys ------------------------------------------------------------------------------------


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class ApiKeyListCreateApi(APIView):
    class ApiKeyListCreateInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)

    @extend_schema(responses=ApiKeySerializer(many=True))
    def get(self, request):
        return Response(ApiKeySerializer(selectors.api_keys_of(user=request.user), many=True).data)

    @extend_schema(
        request=ApiKeyListCreateInputSerializer,
        responses={
            201: inline_serializer(
                "ApiKeyCreated",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "prefix": serializers.CharField(),
                    "key": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        data = self.ApiKeyListCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, key = services.create_api_key(
            user=request.user, name=data.validated_data["name"], request=request._request
        )
        return Response({**ApiKeySerializer(api_key).data, "key": key}, status=status.HTTP_201_CREATED)


class ApiKeyDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, key_id: int):
        services.revoke_api_key(user=request.user, key_id=key_id, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- MFA -----------------------------------------------------------------------------------------


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)


RECOVERY_CODES = inline_serializer(
    "RecoveryCodes", {"recovery_codes": serializers.ListField(child=serializers.CharField())}
)


class MfaStatusApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "MfaStatus",
            {
                "enabled": serializers.BooleanField(),
                "pending": serializers.BooleanField(),
                "recovery_codes_remaining": serializers.IntegerField(),
            },
        )
    )
    def get(self, request):
        device = getattr(request.user, "totp_device", None)
        return Response(
            {
                "enabled": request.user.mfa_enabled,
                "pending": device is not None and device.confirmed_at is None,
                "recovery_codes_remaining": selectors.remaining_recovery_codes(user=request.user),
            }
        )


class MfaEnrollApi(APIView):
    """Start setting up an authenticator app: the secret, its otpauth:// URI and a QR code."""

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "MfaEnrollment",
            {
                "secret": serializers.CharField(),
                "otpauth_url": serializers.CharField(),
                "qr_code": serializers.CharField(),
            },
        ),
    )
    def post(self, request):
        device = services.start_mfa_enrollment(user=request.user)
        uri = mfa.provisioning_uri(device.secret, request.user.email)
        return Response({"secret": device.secret, "otpauth_url": uri, "qr_code": mfa.qr_svg_data_uri(uri)})


class MfaConfirmApi(APIView):
    @extend_schema(request=CodeSerializer, responses=RECOVERY_CODES)
    def post(self, request):
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = services.confirm_mfa(user=request.user, code=data.validated_data["code"], request=request._request)
        return Response({"recovery_codes": codes})


class MfaDisableApi(APIView):
    @extend_schema(request=CodeSerializer, responses={204: None})
    def post(self, request):
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.disable_mfa(user=request.user, code=data.validated_data["code"], request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaRecoveryCodesApi(APIView):
    @extend_schema(request=CodeSerializer, responses=RECOVERY_CODES)
    def post(self, request):
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = services.regenerate_recovery_codes(
            user=request.user, code=data.validated_data["code"], request=request._request
        )
        return Response({"recovery_codes": codes})


# --- administration ------------------------------------------------------------------------------


class UserAccessApi(APIView):
    """Admins change a user's role or tier (audited)."""

    permission_classes = [IsAdminRole]

    class UserAccessInputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=User.Role.choices, required=False)
        tier = serializers.ChoiceField(choices=User.Tier.choices, required=False)

    @extend_schema(request=UserAccessInputSerializer, responses=UserOutputSerializer)
    def patch(self, request, user_id: int):
        data = self.UserAccessInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = selectors.user_by_id(user_id=user_id)
        user = services.change_access(user=target, actor=request.user, request=request._request, **data.validated_data)
        return Response(UserOutputSerializer(user).data)
