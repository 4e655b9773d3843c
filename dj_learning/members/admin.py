from django.contrib import admin

from .models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["member_number", "name", "unit", "status", "join_date"]
    list_filter = ["status"]
    search_fields = ["member_number", "name", "user__username"]
    raw_id_fields = ["user", "unit"]
