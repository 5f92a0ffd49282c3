"""OpenAPI descriptions of the platform's authentication schemes (drf-spectacular extensions)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PlatformJWTScheme(SimpleJWTScheme):
    target_class = "apps.accounts.authentication.PlatformJWTAuthentication"
    name = "jwtAuth"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "aip_<prefix>_<secret>",
            "description": "An API key created at /api/v1/auth/api-keys/, sent as `Authorization: Bearer <key>`.",
        }
