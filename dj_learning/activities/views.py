"""Members' activity pages, check-in, daily sign-in and volunteer service; the check-in screen
and the lobby board. Thin: parse input, call a service, render."""

from functools import lru_cache

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dj_learning import embed, uploads
from dj_learning.conf import settings
from dj_learning.members.services import member_for
from dj_learning.orgs import scope

from . import services
from .models import Attendance, LobbyScreen, Volunteering


def _member(request):
    member = member_for(request.user)
    if member is None:
        raise Http404(_("This account has no member record."))
    return member


def _activity_of(member, pk):
    """An activity of the member's units; 404 for others, exactly like missing ones."""
    return get_object_or_404(services.for_member(member).select_related("unit"), pk=pk)


@login_required
def activity_list(request):
    member = _member(request)
    days, signed_in_today = services.streak(member)
    activities = list(services.upcoming_for(member)[:50])
    mine = set(
        member.activity_signups.filter(activity__in=activities).values_list(
            "activity_id", flat=True
        )
    )
    for activity in activities:
        activity.signed_up = activity.pk in mine
    return render(
        request,
        "dj_learning/activities/list.html",
        {
            "member": member,
            "activities": activities,
            "streak": days,
            "signed_in_today": signed_in_today,
            "volunteer_hours": services.volunteer_hours(member),
        },
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"}
        ),
        error_messages={
            "min_length": gettext_lazy("The code has 6 digits."),
            "max_length": gettext_lazy("The code has 6 digits."),
            "required": gettext_lazy("Type the 6-digit code the screen shows."),
        },
    )


@login_required
def activity_detail(request, pk):
    member = _member(request)
    activity = _activity_of(member, pk)
    return _detail(request, member, activity, CodeForm(initial={"code": request.GET.get("code")}))


def _detail(request, member, activity, form, status=200):
    attendance = Attendance.objects.filter(activity=activity, member=member).first()
    opens, closes = services.checkin_window(activity)
    return render(
        request,
        "dj_learning/activities/detail.html",
        {
            "member": member,
            "activity": activity,
            "form": form,
            "attendance": attendance,
            "signed_up": services.signed_up(member, activity),
            "taken": activity.signups.count() if activity.signup else None,
            "window_open": services.window_open(activity),
            "opens": opens,
            "closes": closes,
            "signup_open": activity.signup and timezone.now() < services.signup_deadline(activity),
            "may_manage": services.may_manage(request.user, activity),
        },
        status=status,
    )


@login_required
def checkin(request, pk):
    """Where the QR code leads (``?code=``): a page with the code filled in and one button.

    Checking in changes state, so it is the POST of that form (a GET only shows it);
    a member not signed in signs in first and comes back here.
    """
    member = _member(request)
    activity = _activity_of(member, pk)
    if request.method != "POST":
        return activity_detail(request, pk)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            _attendance, entry = services.check_in(member, activity, form.cleaned_data["code"])
        except services.ActivityError as error:
            form.add_error("code", str(error))
        else:
            if entry is not None:
                messages.success(
                    request,
                    _("Checked in. You earned %(points)s points.") % {"points": entry.amount},
                )
            else:
                messages.success(request, _("Checked in."))
            return redirect("dj_learning:activity", pk=activity.pk)
    return _detail(request, member, activity, form, status=400)


@require_POST
@login_required
def signup(request, pk):
    member = _member(request)
    activity = _activity_of(member, pk)
    try:
        services.signup(member, activity.pk)
    except services.ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You have signed up."))
    return redirect("dj_learning:activity", pk=activity.pk)


@require_POST
@login_required
def cancel(request, pk):
    member = _member(request)
    activity = _activity_of(member, pk)
    try:
        services.cancel_signup(member, activity)
    except services.ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("dj_learning:activity", pk=activity.pk)


@require_POST
@login_required
def daily_sign_in(request):
    member = _member(request)
    try:
        result = services.sign_in_today(member)
    except services.ActivityError as error:
        messages.info(request, str(error))
    else:
        messages.success(
            request,
            _("Signed in: %(days)s days in a row, %(points)s points.")
            % {"days": result.sign_in.streak, "points": result.points},
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("dj_learning:activities")
    return redirect(back)


# -- Volunteer service -------------------------------------------------------------------


class VolunteerForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label=gettext_lazy("Hours"), max_digits=5, decimal_places=2, min_value=0.25, max_value=24
    )
    description = forms.CharField(label=gettext_lazy("What"), max_length=255)
    proof = forms.FileField(
        label=gettext_lazy("Photo or proof (optional)"),
        required=False,
        help_text=gettext_lazy("An image or a PDF."),
    )

    def clean_proof(self):
        proof = self.cleaned_data.get("proof")
        return uploads.check_upload(proof) if proof else None


@login_required
def volunteer(request):
    member = _member(request)
    form = VolunteerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_volunteering(
                member,
                date=data["date"],
                hours=data["hours"],
                description=data["description"],
                proof=data.get("proof"),
            )
        except (services.ActivityError, ValidationError) as error:
            form.add_error(None, error.messages if hasattr(error, "messages") else str(error))
        else:
            messages.success(request, _("Your service was sent to your branch for approval."))
            return redirect("dj_learning:volunteer")
    return render(
        request,
        "dj_learning/activities/volunteer.html",
        {
            "member": member,
            "form": form,
            "entries": services.volunteering_of(member),
            "hours": services.volunteer_hours(member),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def volunteer_proof(request, pk):
    """The proof of a volunteering entry, for its member and the staff of their units."""
    entry = get_object_or_404(Volunteering.objects.select_related("member__unit"), pk=pk)
    if not scope.can_see_member(request.user, entry.member):
        raise Http404
    return uploads.serve_private(entry.proof, as_attachment=False)


# -- The check-in screen -----------------------------------------------------------------


def _managed(request, pk):
    """The activity, if the user's staff scope covers its unit; 404 otherwise."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(services.managed_by(request.user).select_related("unit"), pk=pk)


@lru_cache(maxsize=256)
def _qr(url):
    """The QR code of ``url`` as an SVG ``data:`` URI. Drawing one takes tens of milliseconds
    and a code lasts ``CHECKIN_ROTATE_SECONDS``: each process draws it once for every poll."""
    return segno.make(url, error="m", micro=False).svg_data_uri(
        scale=10, border=2, dark="#000", light="#fff"
    )


def _screen_state(request, activity, have=None):
    """The screen's code, QR code, count and window; without the QR if ``have`` is the code."""
    now = timezone.now()
    code = services.current_code(activity, now)
    url = request.build_absolute_uri(
        reverse("dj_learning:activity_checkin", args=[activity.pk]) + f"?code={code.code}"
    )
    state = {
        "code": code.code,
        "expires_in": max(0, int((code.expires_at - now).total_seconds())),
        "count": services.checked_in_count(activity.pk),
        "open": services.window_open(activity, now),
        "url": url,
    }
    if have != code.code:
        state["qr"] = _qr(url)
    return state


@never_cache
@login_required
def screen(request, pk):
    """For a projector or TV: the title, a large QR code and code, and the live count.

    The page asks ``screen.json`` for the code and the count every few seconds;
    without JavaScript it reloads itself instead.
    """
    activity = _managed(request, pk)
    return render(
        request,
        "dj_learning/activities/screen.html",
        {
            "activity": activity,
            "state": _screen_state(request, activity),
            "poll_seconds": settings.CHECKIN_SCREEN_POLL_SECONDS,
        },
    )


@never_cache
@login_required
def screen_state(request, pk):
    activity = _managed(request, pk)
    return JsonResponse(_screen_state(request, activity, have=request.GET.get("have")))


# -- The lobby board ---------------------------------------------------------------------

#: Seconds each panel of the lobby board stays on the screen.
BOARD_ROTATE_SECONDS = 15


@never_cache
def board(request, token):
    """A unit's lobby screen, opened by its secret link; nothing once the link is revoked."""
    screen_ = get_object_or_404(
        LobbyScreen.objects.select_related("unit"), token=token, revoked=False
    )
    context = services.board(screen_)
    # The latest notices of the site, as the "notices" embed widget (dj_learning.themes) finds
    # them, when it is installed.
    notices = embed.widgets.get("notices")
    context["notices"] = notices.view(request).get("notices", []) if notices else None
    context["rotate_seconds"] = BOARD_ROTATE_SECONDS
    return render(request, "dj_learning/activities/board.html", context)
