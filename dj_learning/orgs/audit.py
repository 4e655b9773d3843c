"""The audit trail: Wagtail's own log (``ModelLogEntry``), tied to units and read by scope.

Every staff action is logged with ``wagtail.log_actions.log`` where it happens
(the apps' views and services, Wagtail's own create/edit/delete views). This
module adds the two things an organization needs on top:

- **A unit on every entry.** When an entry is written, ``data["audit_unit"]`` gets the
  id of the unit the object belongs to (its ``unit``, its member's unit, the
  user's member record, the region of a site), unless the caller named one
  (an export names the unit exported). The unit is stored, not derived when
  reading, so that a clerk's list is one query on the log table however many
  kinds of object it holds, and an entry keeps its unit after the object is
  deleted. Entries with no unit (Wagtail groups, users without a member record,
  failed sign-ins of unknown names) are seen by superusers only.
- **Scope.** ``entries_for(user)`` is the log narrowed to the user's subtree:
  a staff role on a unit shows the entries of that unit and every unit below it;
  a superuser sees all; anyone else nothing.

Page entries (``PageLogEntry``) stay in Wagtail's own site history report.
"""

from functools import reduce

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import IntegerField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from wagtail.log_actions import get_active_log_context, log
from wagtail.models import ModelLogEntry

from . import scope
from .models import Unit

#: The key of an entry's ``data`` holding its unit's id.
UNIT_KEY = "audit_unit"

#: Where an object's unit is found, tried in order: an attribute path from the object.
UNIT_PATHS = (
    "unit",
    "member.unit",
    "learning_member.unit",
    "activity.unit",
    "site.learning_region",
)


def unit_of(instance):
    """The unit ``instance`` belongs to, or ``None`` (follows ``UNIT_PATHS``)."""
    if isinstance(instance, Unit):
        return instance
    for attributes in UNIT_PATHS:
        try:
            unit = reduce(getattr, attributes.split("."), instance)
        except (AttributeError, ObjectDoesNotExist):
            continue
        if isinstance(unit, Unit):
            return unit
    return None


def _logged_object(entry):
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None:
        return None
    return model._default_manager.filter(pk=entry.object_id).first()


def tie_to_unit(sender, instance, raw=False, **kwargs):
    """``pre_save`` of ``ModelLogEntry``: put the object's unit in ``data`` (see above).

    A caller who knows the unit passes ``data={"audit_unit": unit.pk, ...}`` and no
    lookup is made; otherwise the object is read once (the entry does not carry it).
    """
    if raw or instance.pk or UNIT_KEY in (instance.data or {}):
        return
    obj = _logged_object(instance)
    unit = unit_of(obj) if obj is not None else None
    instance.data = {**(instance.data or {}), UNIT_KEY: unit.pk if unit else None}


def _names(model, pks):
    if model is Permission:
        rows = model.objects.filter(pk__in=pks).select_related("content_type")
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in rows)
    return sorted(str(row) for row in model.objects.filter(pk__in=pks))


def log_membership(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``m2m_changed`` of a user's groups and a group's permissions: what was added or removed.

    Wagtail logs "edited" for the user or group; this entry names the change. The
    person is Wagtail's active log context (its admin views set it to the signed-in
    user), so it shares the edit's uuid.
    """
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if get_active_log_context().user is None:
        # A change made by code, not by a person: a fixture or a test database being
        # loaded (their content types may not exist yet), a data migration.
        return
    what = "groups" if sender is get_user_model().groups.through else "permissions"
    log(
        instance,
        f"learning_orgs.{what}",
        data={"added" if action == "post_add" else "removed": _names(model, pk_set)},
    )


#: A user's flags that grant or take away rights, compared around Wagtail's user screen.
USER_FLAGS = ("is_active", "is_superuser")


def remember_user_flags(request, user):
    """``before_edit_user`` hook: the flags as they were, before the form changes them."""
    request.learning_user_flags = {flag: getattr(user, flag) for flag in USER_FLAGS}


def log_user_flags(request, user):
    """``after_edit_user`` hook: an entry naming the flags the edit changed (Wagtail's
    own "edited" entry does not say what changed)."""
    before = getattr(request, "learning_user_flags", None) or {}
    changed = {
        flag: str(getattr(user, flag))
        for flag in USER_FLAGS
        if flag in before and before[flag] != getattr(user, flag)
    }
    if changed:
        log(user, "learning_orgs.user_flags", user=request.user, data={"changed": changed})


#: Models whose Django admin pages write their own, more precise entries (orgs/admin.py).
SELF_LOGGED_IN_DJANGO_ADMIN = ("learning_orgs.staffrole",)


def mirror_django_admin(sender, instance, created, raw=False, **kwargs):
    """``post_save`` of the Django admin's ``LogEntry``: the same action in the audit trail.

    The Django admin (``/django-admin/`` in the ready site) keeps its own log, which
    the audit report does not read. Each of its additions, changes and deletions is
    written here too, by the same person, with the fields the admin says it changed
    (shown as "Changed Superuser status and Groups."), so a superuser flag or a group set in
    the Django admin leaves the same trace as in Wagtail's. Deletions are logged
    while the object still exists (the admin logs before it deletes).
    """
    if raw or not created or instance.content_type_id is None:
        return
    label = f"{instance.content_type.app_label}.{instance.content_type.model}"
    if label in SELF_LOGGED_IN_DJANGO_ADMIN:
        return
    try:
        obj = instance.get_edited_object()
    except ObjectDoesNotExist:
        return
    actions = {1: "added", 2: "changed", 3: "deleted"}
    log(
        obj,
        "learning_orgs.django_admin",
        user=instance.user,
        data={
            "action": actions.get(instance.action_flag, str(instance.action_flag)),
            # The admin's own JSON, read in the reader's language (audit_views.change).
            "change": instance.change_message,
        },
    )


def connect():
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_save, pre_save

    pre_save.connect(tie_to_unit, sender=ModelLogEntry, dispatch_uid="learning_audit_unit")
    m2m_changed.connect(
        log_membership,
        sender=get_user_model().groups.through,
        dispatch_uid="learning_audit_groups",
    )
    m2m_changed.connect(
        log_membership, sender=Group.permissions.through, dispatch_uid="learning_audit_perms"
    )
    if apps.is_installed("django.contrib.admin"):
        from django.contrib.admin.models import LogEntry

        post_save.connect(
            mirror_django_admin, sender=LogEntry, dispatch_uid="learning_audit_django_admin"
        )


def entries_for(user, roles=scope.STAFF_ROLES):
    """The log entries ``user`` may read: all for a superuser, their subtree's for staff.

    One query: the entry's unit id is read from ``data`` and matched against the
    units of the user's subtree in a subquery.
    """
    entries = ModelLogEntry.objects.select_related("user", "content_type")
    if scope.sees_everything(user):
        return entries
    if not scope.has_role(user, roles):
        return entries.none()
    units = scope.visible_units(user, roles=roles).values("pk")
    return entries.annotate(
        audit_unit_id=Cast(KeyTextTransform(UNIT_KEY, "data"), IntegerField())
    ).filter(audit_unit_id__in=units)


def scope_roots(user, roles=scope.STAFF_ROLES):
    """The top units of the user's subtree (the tree's roots for a superuser)."""
    if scope.sees_everything(user):
        return list(Unit.get_root_nodes())
    return list(Unit.objects.filter(path__in=scope.scope_paths(user, roles)))


def log_export(user, instance, what, **data):
    """Log that ``user`` downloaded personal data: ``what`` (a short English name kept in
    the entry, such as ``"member records"``) of ``instance`` (a unit, or a member).

    Called by every view that hands out member records, transcripts, reports or
    certificate archives; ``data`` adds details (rows, a year, a format).
    """
    unit = unit_of(instance)
    return log(
        instance,
        "learning_orgs.export",
        user=user,
        data={UNIT_KEY: unit.pk if unit else None, "export": what, **data},
    )


def log_scope_export(user, what, roles=scope.STAFF_ROLES, **data):
    """``log_export`` of an export that covers the user's whole subtree: one entry per top unit."""
    for unit in scope_roots(user, roles):
        log_export(user, unit, what, **data)
