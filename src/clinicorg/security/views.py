"""Pages of the security module."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from clinicorg.access.catalogue import P
from clinicorg.staff import queries
from clinicorg.web.views.base import requires

from . import actions


@require_POST
@requires(P.MANAGE_STAFF)
def unlock_sign_in(request, pk):
    member = queries.get_staff(request.user, pk)
    actions.unlock_sign_in(member, actor=request.user)
    messages.success(request, f"{member.full_name} can sign in again.")
    return redirect("web:staff_detail", pk=member.pk)
