from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from dj_learning.api_schema import Id, Pagination

from . import scope

router = Router(tags=["units"])


class UnitRef(Schema):
    id: int
    name: str
    code: str
    kind: str


class UnitOut(UnitRef):
    kind_label: str
    depth: int
    parent: UnitRef | None
    ancestors: list[UnitRef]
    children: list[UnitRef]

    @staticmethod
    def resolve_kind_label(unit):
        return unit.get_kind_display()


@router.get("/units", response=list[UnitRef], summary="Units in the caller's scope")
@paginate(Pagination)
def list_units(request):
    return scope.visible_units(request.user).order_by("path")


@router.get("/units/{int:unit_id}", response=UnitOut, summary="One unit in the caller's scope")
def get_unit(request, unit_id: Id):
    # Out of scope and missing look the same, so ids cannot be probed.
    unit = get_object_or_404(scope.visible_units(request.user), pk=unit_id)
    ancestors = list(unit.get_ancestors())
    children = scope.visible_units(request.user).filter(
        path__startswith=unit.path, depth=unit.depth + 1
    )
    unit.ancestors = ancestors
    unit.parent = ancestors[-1] if ancestors else None
    unit.children = list(children.order_by("path"))
    return unit
