from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The sign-in form: one field takes a username or a member number."""

    error_messages = {
        "invalid_login": _(
            "The username, member number or password is not correct. "
            "Both fields may be case-sensitive."
        ),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username or member number")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
