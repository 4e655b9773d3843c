"""Two-factor sign-in (django-otp): enrol an authenticator app by QR code, confirm a
code after the password, and ten backup codes for a lost phone."""

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

BACKUP_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _qr(device):
    svg = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
    return svg


def new_backup_codes(user):
    """Replace the user's backup codes with ten new ones; each works once."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan the QR code, type a code to confirm it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed and not user.is_verified():
        return redirect(f"{_verify_url()}?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return render(
                request,
                "dj_learning/members/two_factor_codes.html",
                {"codes": new_backup_codes(user), "next": _next(request)},
            )
        form.add_error("code", _("The code is not correct. Type the code the app shows now."))
    return render(
        request,
        "dj_learning/members/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr(device),
            "secret": base64.b32encode(device.bin_key).decode(),
            "replacing": bool(confirmed),
            "next": _next(request),
        },
    )


def otp_login(request, device):
    from django_otp import login

    login(request, device)


def _verify_url():
    from django.urls import reverse

    return reverse("dj_learning:two_factor_verify")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """After the password: a code from the authenticator app, or a backup code."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from django_otp import match_token

        device = match_token(request.user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error(
            "code", _("The code is not correct, or was used already. Try the next code.")
        )
    return render(
        request,
        "dj_learning/members/two_factor_verify.html",
        {"form": form, "next": _next(request)},
    )


@login_required
@require_http_methods(["POST"])
def backup_codes(request):
    """New backup codes (the old ones stop working), for a verified user."""
    if not request.user.is_verified():
        return redirect(f"{_verify_url()}?next={request.path}")
    return render(
        request,
        "dj_learning/members/two_factor_codes.html",
        {"codes": new_backup_codes(request.user), "next": _next(request)},
    )
