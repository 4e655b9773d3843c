from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import admin_scope
from .models import Comment, Poll, Suggestion, SuggestionCategory

# Staff roles, not Django permissions, grant these screens; registered before any view asks.
register_permission_policy(Suggestion, admin_scope.SUGGESTIONS)
register_permission_policy(SuggestionCategory, admin_scope.CATEGORIES)
register_permission_policy(Poll, admin_scope.POLLS)
register_permission_policy(Comment, admin_scope.COMMENTS)


@hooks.register("register_admin_viewset")
def register_voice_viewsets():
    from .admin_views import VoiceGroup

    return VoiceGroup()


@hooks.register("register_log_actions")
def register_voice_log_actions(actions):
    actions.register_action("learning_voice.reply", _("Reply"), _("Suggestion replied"))
    actions.register_action("learning_voice.note", _("Internal note"), _("Internal note added"))
    actions.register_action("learning_voice.assign", _("Assign"), _("Suggestion assigned"))
    actions.register_action("learning_voice.status", _("Change status"), _("Status changed"))
    actions.register_action("learning_voice.hide", _("Hide comment"), _("Comment hidden"))
    actions.register_action("learning_voice.show", _("Show comment"), _("Comment shown again"))
