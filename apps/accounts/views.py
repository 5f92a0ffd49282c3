"""Account pages: sign up, sign in (with the MFA step), passwords, email verification, the account page."""

import time

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import APIException

from apps.core.errors import TooManyAttempts

from . import forms, mfa, selectors, services

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
MFA_PENDING = "mfa_pending"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:dashboard")


# --- sign-in ------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = forms.EmailPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.check_password_login(request=request, **form.cleaned_data)
        except TooManyAttempts as exc:
            form.add_error(None, str(exc.detail))
        except services.InvalidCredentials:
            form.add_error(None, services.INVALID_CREDENTIALS)
        else:
            if result.mfa_required:
                request.session[MFA_PENDING] = {"uid": result.user.pk, "at": time.time()}
                return redirect(f"{reverse('accounts:login-mfa')}?next={_next_url(request)}")
            login(request, result.user, backend=MODEL_BACKEND)
            return redirect(_next_url(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def login_mfa_view(request):
    pending = request.session.get(MFA_PENDING)
    if not pending or time.time() - pending["at"] > services.tokens.MFA_CHALLENGE_SECONDS:
        request.session.pop(MFA_PENDING, None)
        messages.warning(request, "The sign-in step expired; enter your password again.")
        return redirect("accounts:login")
    user = selectors.active_users().filter(pk=pending["uid"]).first()
    if user is None:
        return redirect("accounts:login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            used = services.verify_second_factor(user=user, code=form.cleaned_data["code"], request=request)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except TooManyAttempts as exc:
            form.add_error("code", str(exc.detail))
        else:
            request.session.pop(MFA_PENDING, None)
            login(request, user, backend=MODEL_BACKEND)
            if used == "recovery":
                messages.warning(request, "You signed in with a recovery code; it cannot be used again.")
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/login_mfa.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


class LogoutView(auth_views.LogoutView):
    pass


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def signup_view(request):
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_user(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["new_password1"],
                display_name=form.cleaned_data["display_name"],
                request=request,
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc, {"password": "new_password1"})
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, f"Welcome! We sent a link to {user.email} to confirm your address.")
            return redirect("core:dashboard")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


# --- email and passwords -------------------------------------------------------------------------


def verify_email_view(request, uidb64: str, token: str):
    try:
        services.verify_email(uidb64=uidb64, token=token, request=request)
    except ValidationError:
        messages.error(request, "This verification link is invalid, expired or already used.")
    else:
        messages.success(request, "Your email address is confirmed.")
    return redirect("accounts:account" if request.user.is_authenticated else "accounts:login")


@require_http_methods(["GET", "POST"])
def forgot_password_view(request):
    form = forms.ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(email=form.cleaned_data["email"], request=request)
        messages.info(request, "If an account uses this email, a reset link has been sent to it.")
        return redirect("accounts:login")
    return render(request, "accounts/forgot_password.html", {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def reset_password_view(request, uidb64: str, token: str):
    form = forms.NewPasswordFields(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                uidb64=uidb64, token=token, password=form.cleaned_data["new_password1"], request=request
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc, {"password": "new_password1"})
        else:
            messages.success(request, "Your password has been changed; sign in with it.")
            return redirect("accounts:login")
    return render(request, "accounts/reset_password.html", {"form": form}, status=400 if form.errors else 200)


# --- the account page ----------------------------------------------------------------------------

ACCOUNT_FORMS = {
    "profile": forms.ProfileForm,
    "password": forms.ChangePasswordForm,
    "mfa_confirm": forms.CodeForm,
    "mfa_disable": forms.CodeForm,
    "mfa_recovery": forms.CodeForm,
    "api_key": forms.ApiKeyForm,
    "delete": forms.DeleteAccountForm,
}


def _account_context(request, bound: dict) -> dict:
    user = request.user
    device = getattr(user, "totp_device", None)
    context = {
        "forms": {
            name: bound.get(name) or cls(prefix=name, initial={"display_name": user.display_name})
            for name, cls in ACCOUNT_FORMS.items()
        },
        "api_keys": selectors.api_keys_of(user=user),
        "events": selectors.security_events_of(user=user)[:25],
        "recovery_remaining": selectors.remaining_recovery_codes(user=user),
        "new_api_key": request.session.pop("new_api_key", None),
        "recovery_codes": request.session.pop("recovery_codes", None),
    }
    if device is not None and device.confirmed_at is None:
        uri = mfa.provisioning_uri(device.secret, user.email)
        context["enrollment"] = {"secret": device.secret, "qr_code": mfa.qr_svg_data_uri(uri)}
    return context


def _handle_account_action(request, action: str, form) -> str | None:
    """Run one account action; returns a success message, or None if the form has errors."""
    user = request.user
    data = form.cleaned_data
    if action == "profile":
        services.update_profile(user=user, display_name=data["display_name"], request=request)
        return "Profile saved."
    if action == "password":
        services.change_password(
            user=user, current_password=data["current_password"], new_password=data["new_password1"], request=request
        )
        user.refresh_from_db()
        update_session_auth_hash(request, user)
        return "Password changed. Other sessions and tokens were signed out."
    if action == "mfa_confirm":
        request.session["recovery_codes"] = services.confirm_mfa(user=user, code=data["code"], request=request)
        return "Two-factor authentication is on."
    if action == "mfa_disable":
        services.disable_mfa(user=user, code=data["code"], request=request)
        return "Two-factor authentication is off."
    if action == "mfa_recovery":
        request.session["recovery_codes"] = services.regenerate_recovery_codes(
            user=user, code=data["code"], request=request
        )
        return "New recovery codes made; the old ones no longer work."
    if action == "api_key":
        api_key, key = services.create_api_key(user=user, name=data["name"], request=request)
        request.session["new_api_key"] = {"name": api_key.name, "key": key}
        return f"API key “{api_key.name}” created."
    raise ValueError(action)


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2", "password")
@require_http_methods(["GET", "POST"])
def account_view(request):
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "mfa_enroll":
            try:
                services.start_mfa_enrollment(user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('accounts:account')}#security")
        if action == "verify_resend":
            if not request.user.email_verified:
                services.send_verification_email(user=request.user)
            messages.info(request, f"A new confirmation link is on its way to {request.user.email}.")
            return redirect("accounts:account")
        if action not in ACCOUNT_FORMS or action == "delete":
            messages.error(request, "Unknown action.")
            return redirect("accounts:account")
        form = ACCOUNT_FORMS[action](request.POST, prefix=action)
        if form.is_valid():
            try:
                message = _handle_account_action(request, action, form)
            except ValidationError as exc:
                forms.apply_service_errors(form, exc, {"new_password": "new_password1"})
            except (TooManyAttempts, APIException) as exc:
                form.add_error(None, str(exc.detail))
            else:
                messages.success(request, message)
                return redirect("accounts:account")
        bound[action] = form
    status = 400 if bound else 200
    return render(request, "accounts/account.html", _account_context(request, bound), status=status)


@login_required
@require_http_methods(["POST"])
def revoke_api_key_view(request, key_id: int):
    api_key = services.revoke_api_key(user=request.user, key_id=key_id, request=request)
    messages.success(request, f"API key “{api_key.name}” revoked.")
    return redirect(f"{reverse('accounts:account')}#api-keys")


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["POST"])
def delete_account_view(request):
    form = forms.DeleteAccountForm(request.POST, prefix="delete")
    if form.is_valid():
        try:
            services.delete_account(user=request.user, password=form.cleaned_data["password"], request=request)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            request.session.flush()
            messages.success(request, "Your account and its personal data were deleted.")
            return redirect("accounts:login")
    return render(request, "accounts/account.html", _account_context(request, {"delete": form}), status=400)


@login_required
def export_view(request):
    services.record_export(user=request.user, request=request)
    response = JsonResponse(selectors.export_user_data(user=request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="ai-platform-export.json"'
    return response
