"""The agency's staff as its lead sees them: who works there in which role, and who has left.

A lead reassigns the cases of someone who left (`counsellor_assigned`), and only to an active counsellor or lead of
her agency (the domain's reassignment rule): this is where she finds both.
"""

from application.policy import LEADS, require
from application.ports import Principal, Role, StaffList, StaffMember


class Team:
    def __init__(self, directory: StaffList) -> None:
        self.directory = directory

    def members(
        self, principal: Principal, *, role: Role | None = None, active: bool | None = None
    ) -> list[StaffMember]:
        """The staff of the lead's agency, by subject, of one role or all, active or not or both."""
        require(principal, LEADS)
        return [
            member
            for member in self.directory.members(principal.agency)
            if (role is None or member.role == role) and (active is None or member.active == active)
        ]
