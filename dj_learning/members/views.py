from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dj_learning.orgs import scope

from . import records
from .forms import LoginForm
from .models import Member
from .services import member_for


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "dj_learning/members/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


CORRECTABLE = ["name", "gender", "birth_date", "id_number", "phone", "education"]


class CorrectionForm(records.RecordForm):
    class Meta(records.RecordForm.Meta):
        fields = CORRECTABLE


@login_required
def correction(request):
    """The member asks for their record to be corrected; clerks' reviewers decide."""
    member = member_for(request.user)
    if member is None:
        raise Http404
    # The form writes its values onto the instance it is given: keep the record's own.
    form = CorrectionForm(
        request.POST or None,
        instance=Member.objects.get(pk=member.pk),
        initial={"id_number": member.masked_id_number},
    )
    reason = request.POST.get("reason", "")
    reason_errors = []
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)  # a masked ID left as shown is the stored one
        try:
            records.request_correction(member, values, reason)
        except ValidationError as error:
            errors = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            for field, messages_ in errors.items():
                if field == "reason":
                    reason_errors.extend(m for e in messages_ for m in e.messages)
                else:
                    form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, _("Your request was sent to your branch for review."))
            return redirect("dj_learning:profile")
    return render(
        request,
        "dj_learning/members/correction.html",
        {"form": form, "reason": reason, "reason_errors": reason_errors},
    )


@login_required
def profile(request):
    member = member_for(request.user)
    roles = (
        request.user.learning_roles.select_related("unit").order_by("unit__path")
        if scope.has_role(request.user)
        else []
    )
    return render(
        request,
        "dj_learning/members/profile.html",
        {
            "member": member,
            "roles": roles,
            "unit_path": member.unit.get_ancestors() if member else [],
            "requests": (
                member.record_changes.prefetch_related("steps").order_by("-requested_at")[:5]
                if member
                else []
            ),
        },
    )
