from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from dj_learning.conf import settings

from .models import Member


class MemberNumberBackend(ModelBackend):
    """Signs a user in by username or, when ``MEMBER_NUMBER_LOGIN`` is on, by member number.

    It replaces ``django.contrib.auth.backends.ModelBackend`` in
    ``AUTHENTICATION_BACKENDS`` and keeps all of its permission handling. The
    signed-in user of each request comes with their member record and its unit,
    read in the same query: member pages need both.
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("learning_member__unit").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = self._find_user(username.strip())
        if user is None:
            # Spend the same time as a real check, so timing does not tell
            # which usernames exist (as ModelBackend does).
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def _find_user(self, login):
        user_model = get_user_model()
        try:
            return user_model._default_manager.get_by_natural_key(login)
        except user_model.DoesNotExist:
            pass
        if not settings.MEMBER_NUMBER_LOGIN:
            return None
        member = Member.objects.select_related("user").filter(member_number=login).first()
        return member.user if member else None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``: refuses a locked-out
    account or address on every sign-in (member page, Wagtail admin, Django admin, API).

    Every sign-in over HTTP passes its request. Code that signs in without one (a
    shell, the test client's ``login()``) is not counted and never locked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
