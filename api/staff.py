"""The agency's staff for its lead: who may be given a case, and whose cases still wait for someone else."""

from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import principal_of, require_role
from api.params import problems
from application.policy import LEADS
from application.ports import Role
from application.team import Team

AnyRequest = Request[Any, Any, Any]
TeamOf = NamedDependency[Team]


class StaffMemberView(msgspec.Struct, frozen=True, kw_only=True):
    """`subject`: the name her tokens carry (a case's `counsellor`); `active` false once she left (`lotse staff
    deactivate`): no case can be assigned to her and none of her tokens counts."""

    subject: str
    role: Role
    active: bool


class StaffView(msgspec.Struct, frozen=True):
    items: list[StaffMemberView]


@get(
    "/staff",
    guards=[require_role(LEADS)],
    sync_to_thread=True,
    security=[{"bearer": []}],
    tags=["staff"],
    summary="The staff of the lead's agency, by name (leads)",
    description=(
        "Everyone a token was issued to at the agency, in the role of her latest token, and whether she is active. "
        "A case is reassigned (`counsellor_assigned`) only to an active counsellor or lead of the agency; the cases "
        "of someone inactive wait in her caseload until they are. The whole list, by `subject`: an agency's staff "
        "is a few dozen people."
    ),
    responses=problems(401, 403, 422),
)
def list_staff(
    request: AnyRequest,
    team: TeamOf,
    role: Annotated[Role | None, QueryParameter(description="only this role")] = None,
    active: Annotated[bool | None, QueryParameter(description="only the active (true) or only those who left")] = None,
) -> StaffView:
    members = team.members(principal_of(request), role=role, active=active)
    views = [StaffMemberView(subject=each.subject, role=each.role, active=each.active) for each in members]
    return StaffView(items=views)
