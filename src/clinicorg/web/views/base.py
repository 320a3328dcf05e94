"""What every page view shares: permission gates that explain denials, form error mapping."""

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from clinicorg.access import policy
from clinicorg.core.errors import Conflict, Decision, Denied

from ..forms.base import FilterForm


def render_denied(request, decision: Decision):
    return render(request, "web/denied.html", {"decision": decision}, status=403)


def requires(permission: str | None, *alternatives: str):
    """Sign-in required; then the policy decides. A denial renders the reason with 403.

    With `alternatives`, any one of the permissions opens the page; a denial names the first.
    The permission is kept on the view (`view.permission`) for the access matrix tests.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission is not None:
                decision = policy.explain(request.user, permission)
                if not decision.allowed and not any(
                    policy.can(request.user, name) for name in alternatives
                ):
                    return render_denied(request, decision)
            try:
                return view(request, *args, **kwargs)
            except Denied as exc:
                return render_denied(request, exc.decision)

        wrapper.permission = permission
        return wrapper

    return decorator


def _in_form_words(error: ValidationError) -> str:
    """A model's "cannot be blank" reads as a form's "This field is required."."""
    if error.code == "blank":
        return str(forms.Field.default_error_messages["required"])
    return error.message % error.params if error.params else error.message


def apply_errors(form, exc: ValidationError) -> None:
    """Put an action's ValidationError beside the matching form fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, error_list in exc.error_dict.items():
        target = field if field in form.fields else None
        for message in (_in_form_words(e) for e in error_list):
            form.add_error(
                target,
                message if target else f"{field}: {message}" if field != "__all__" else message,
            )


def save_form(request, form, action, success, to, *, conflict_field: str | None = None):
    """Run `action(cleaned_data)` for a valid posted form.

    A ValidationError goes beside the form's fields and the answer is None (show the form
    again); so does a Conflict when `conflict_field` names the field it belongs beside.
    Otherwise `success` (a text, or a callable of the action's result) is flashed and the answer
    redirects to `to` (a URL or view name, or a callable of the result giving one).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    except Conflict as exc:
        if conflict_field is None:
            raise
        form.add_error(conflict_field, exc.message)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(to(result) if callable(to) else to)


def confirm_delete(request, action, success: str, to, refused_to):
    """On POST run the delete `action()`, then flash `success` and redirect to `to`; a
    Conflict (the record is in use) flashes its message and redirects to `refused_to`.
    None on GET: show the confirmation page."""
    if request.method != "POST":
        return None
    try:
        action()
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(refused_to)
    messages.success(request, success)
    return redirect(to)


def list_filters(request, names) -> dict:
    """A list page's filters from the query string, through the forms' boundary: a value it
    refuses (control characters, lone surrogates) reads as empty and the page says why."""
    form = FilterForm(request.GET, names)
    filters = form.filters()
    for name, errors in form.errors.items():
        messages.error(request, f"Filter {name}: {' '.join(errors)}")
    return {k: v.strip() for k, v in filters.items()}


def filter_query(filters: dict, **extra) -> str:
    """A list's filters (those given) as a query string, for the links that keep them: an
    export of exactly what the list shows."""
    return urlencode({**{k: v for k, v in filters.items() if v}, **extra})


def paginate(request, queryset, per_page: int = 50, paginator_class=Paginator):
    paginator = paginator_class(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def confirm_page(
    request,
    *,
    heading: str,
    lead: str,
    button: str,
    cancel: str,
    effects=(),
    note: str = "",
    fields: dict | None = None,
    crumbs=(),
    danger: bool = True,
    action: str | None = None,
):
    """The page that asks before a destructive or wide action: what it does (`lead`), what it
    affects (`effects`, one line each, with counts), and a button that posts to the same
    address, or to `action` when the change lives at a POST-only address (with `fields` as
    hidden inputs)."""
    return render(
        request,
        "web/confirm.html",
        {
            "heading": heading,
            "lead": lead,
            "effects": list(effects),
            "note": note,
            "button": button,
            "cancel": cancel,
            "fields": fields or {},
            "crumbs": list(crumbs),
            "danger": danger,
            "action": action or request.get_full_path(),
        },
    )
