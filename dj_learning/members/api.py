from datetime import date

from django.utils.translation import get_language
from ninja import Router, Schema

from dj_learning.orgs.api import UnitRef

from .services import member_for

router = Router(tags=["members"])


class UserOut(Schema):
    id: int
    username: str
    is_superuser: bool


class MemberOut(Schema):
    id: int
    member_number: str
    name: str
    unit: UnitRef
    join_date: date | None
    phone: str
    status: str
    status_label: str

    @staticmethod
    def resolve_status_label(member):
        return member.get_status_display()


class RoleOut(Schema):
    role: str
    role_label: str
    unit: UnitRef

    @staticmethod
    def resolve_role_label(role):
        return role.get_role_display()


class MeOut(Schema):
    user: UserOut
    member: MemberOut | None
    roles: list[RoleOut]
    language: str


@router.get("/me", response=MeOut, summary="The caller's account, member profile and roles")
def me(request):
    user = request.user
    member = member_for(user)
    return {
        "user": user,
        "member": member,
        "roles": list(user.learning_roles.select_related("unit").order_by("unit__path", "role")),
        "language": get_language(),
    }
