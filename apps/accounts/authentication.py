"""DRF authentication: API keys and revocable JWTs, both as ``Authorization: Bearer …``."""

from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from . import services


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer aip_<prefix>_<secret>``; anything else is left to the JWT class."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not services.looks_like_api_key(credential):
            return None
        user, api_key = services.authenticate_api_key(key=credential, request=request._request)
        return user, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class PlatformJWTAuthentication(JWTAuthentication):
    """simplejwt, plus: tokens revoked at logout, and tokens older than a password change."""

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if services.is_access_token_revoked(jti=token.get("jti", "")):
            raise InvalidToken({"detail": "This token has been revoked.", "code": "token_not_valid"})
        return token

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if user.tokens_valid_after and validated_token.get("iat", 0) < int(user.tokens_valid_after.timestamp()):
            raise exceptions.AuthenticationFailed(
                "This token was issued before a password change.", code="token_not_valid"
            )
        return user
