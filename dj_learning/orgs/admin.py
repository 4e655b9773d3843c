from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory
from wagtail.log_actions import log

from .models import StaffRole, Unit


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind", "site"]
    search_fields = ["name", "code"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    raw_id_fields = ["user", "unit"]

    # Roles grant sight of members: each grant, move and removal goes to the audit trail.
    def save_model(self, request, obj, form, change):
        before = None
        if change:
            old = StaffRole.objects.select_related("user", "unit").filter(pk=obj.pk).first()
            before = _role_data(old) if old else None
        super().save_model(request, obj, form, change)
        if before is None:
            log(obj, "learning_orgs.grant_role", user=request.user, data=_role_data(obj))
        elif before != _role_data(obj):
            # A role moved to another unit, person or kind: what it was and what it is.
            log(
                obj,
                "learning_orgs.change_role",
                user=request.user,
                data={**_role_data(obj), "before": before},
            )

    def delete_model(self, request, obj):
        log(obj, "learning_orgs.remove_role", user=request.user, data=_role_data(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("user", "unit"):
            log(role, "learning_orgs.remove_role", user=request.user, data=_role_data(role))
        super().delete_queryset(request, queryset)


def _role_data(role):
    return {"user": role.user.get_username(), "role": role.role, "unit": str(role.unit)}
