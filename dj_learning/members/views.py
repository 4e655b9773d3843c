from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dj_learning.orgs import scope

from .forms import LoginForm
from .services import member_for


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "dj_learning/members/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


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
        },
    )
