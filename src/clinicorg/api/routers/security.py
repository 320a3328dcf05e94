"""/api/v1: sign-in security an integrator or an identity team manages — the organization's
two-factor requirement and an administrator's reset of a member's second factor. API tokens
are credentials of their own and never need a second factor."""

from typing import Literal

from ninja import Router
from pydantic import BaseModel

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.security import actions, rules
from clinicorg.staff import queries

from ..schemas import ERRORS, Input

router = Router(tags=["Sign-in security"])

Requirement = Literal["nobody", "administrators", "everyone"]


class TwoFactorPolicyOut(BaseModel):
    two_factor_required_for: Requirement


class TwoFactorPolicyIn(Input):
    two_factor_required_for: Requirement


class TwoFactorStateOut(BaseModel):
    staff_id: int
    two_factor: bool
    required: bool


@router.get(
    "/organization/sign-in",
    response={200: TwoFactorPolicyOut, **ERRORS},
    summary="Read who must sign in with two factors",
)
def get_sign_in_policy(request):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return {"two_factor_required_for": rules.two_factor_requirement(request.auth.organization_id)}


@router.put(
    "/organization/sign-in",
    response={200: TwoFactorPolicyOut, **ERRORS},
    summary="Set who must sign in with two factors",
)
def set_sign_in_policy(request, payload: TwoFactorPolicyIn):
    actions.set_two_factor_requirement(payload.two_factor_required_for, actor=request.auth)
    return {"two_factor_required_for": rules.two_factor_requirement(request.auth.organization_id)}


def _state(member) -> dict:
    return {
        "staff_id": member.pk,
        "two_factor": rules.has_any_device(member),
        "required": rules.two_factor_required(member),
    }


@router.get(
    "/staff/{int:staff_id}/two-factor",
    response={200: TwoFactorStateOut, **ERRORS},
    summary="Whether a member signs in with two factors",
)
def get_two_factor(request, staff_id: int):
    return _state(queries.access_staff_by_id(request.auth, staff_id))


@router.post(
    "/staff/{int:staff_id}/two-factor/reset",
    response={200: TwoFactorStateOut, **ERRORS},
    summary="Reset a member's two-factor sign-in (a lost phone); signs them out everywhere",
)
def reset_two_factor(request, staff_id: int):
    member = queries.access_staff_by_id(request.auth, staff_id)
    actions.reset_two_factor(member, actor=request.auth)
    return _state(member)
