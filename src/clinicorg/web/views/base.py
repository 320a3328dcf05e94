"""What every page view shares: permission gates that explain denials, form error mapping."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

from clinicorg.access import policy
from clinicorg.core.errors import Decision, Denied


def render_denied(request, decision: Decision):
    return render(request, "web/denied.html", {"decision": decision}, status=403)


def requires(permission: str | None):
    """Sign-in required; then the policy decides. A denial renders the reason with 403.

    The permission is kept on the view (`view.permission`) for the access matrix tests.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission is not None:
                decision = policy.explain(request.user, permission)
                if not decision.allowed:
                    return render_denied(request, decision)
            try:
                return view(request, *args, **kwargs)
            except Denied as exc:
                return render_denied(request, exc.decision)

        wrapper.permission = permission
        return wrapper

    return decorator


def apply_errors(form, exc: ValidationError) -> None:
    """Put an action's ValidationError beside the matching form fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in errors:
            form.add_error(
                target,
                message if target else f"{field}: {message}" if field != "__all__" else message,
            )


def paginate(request, queryset, per_page: int = 50):
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
