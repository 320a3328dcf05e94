"""The public self-scheduling page of an organization, /book/<org-slug>/, and the patient's
cancel link. No sign-in: only public fields of bookable providers leave the system (shown
name, specialties, the sanitized bio), posts are CSRF-protected and throttled per address."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from clinicorg.core.errors import Conflict
from clinicorg.core.models import Organization
from clinicorg.directory.models import Location
from clinicorg.scheduling import actions, queries, rules
from clinicorg.scheduling.models import Appointment, AppointmentStatus, VisitType
from clinicorg.security.throttle import BOOKING_CANCELS, BOOKING_POSTS, Throttled
from clinicorg.staff.bio import render_bio
from clinicorg.staff.taxonomy import describe_codes, label_of

from ..forms.scheduling import PatientForm
from .base import apply_errors
from .scheduling import clock, long_day

DONE_SALT = "clinicorg.booking.done"
SLOT_DAYS = 7


def throttled(request, throttle=BOOKING_POSTS) -> bool:
    """Count this post against the client's address; True once over the limit."""
    try:
        throttle.hit(request)
    except Throttled:
        return True
    return False


def _too_many(request, organization=None):
    return render(
        request, "web/scheduling/public_message.html",
        {"organization": organization, "title": "Too many requests",
         "message": "Too many requests from your connection. Wait a while, then try again."},
        status=429,
    )  # fmt: skip


def _organization(slug: str):
    org = get_object_or_404(Organization, slug=slug)
    settings = queries.settings_for(org.pk)
    if not settings.online_booking_enabled:
        raise Http404("Online booking is off.")
    return org, settings


def _choices(org):
    locations = list(
        Location.objects.filter(organization=org, status="active")
        .filter(
            availability_windows__provider__visit_types__online_bookable=True,
            availability_windows__provider__visit_types__is_active=True,
        )
        .distinct()
        .order_by("name")
    )
    visit_types = list(
        VisitType.objects.filter(organization=org, is_active=True, online_bookable=True).order_by(
            "name"
        )
    )
    return locations, visit_types


def _pick(items, value):
    return next((x for x in items if str(x.pk) == str(value or "")), None)


def _cards(org, location, vt, settings):
    """Bookable providers with their public fields and next available time."""
    providers = list(
        queries.bookable_providers(location, vt, online=True).prefetch_related("taxonomies")
    )
    codes = {a.code for p in providers for a in p.taxonomies.all()}
    described = describe_codes(codes)
    nexts = queries.next_available(
        location, providers, timedelta(minutes=vt.duration_minutes), settings=settings
    )
    zone = ZoneInfo(location.timezone)
    cards = []
    for p in providers:
        found = nexts[p.pk]
        cards.append(
            {
                "id": p.pk,
                "name": p.shown_name,
                "specialties": [
                    label_of(described[a.code]) for a in p.taxonomies.all() if a.code in described
                ],
                "bio": render_bio(p.bio),
                "next": found,
                "next_label": (
                    f"{long_day(found.astimezone(zone).date())}, {clock(found, zone)}"
                    if found
                    else ""
                ),
                "next_day": found.astimezone(zone).date().isoformat() if found else "",
            }
        )
    return cards


def book(request, org_slug):
    org, settings = _organization(org_slug)
    locations, visit_types = _choices(org)
    location = _pick(locations, request.GET.get("location")) or (
        locations[0] if len(locations) == 1 else None
    )
    vt = _pick(visit_types, request.GET.get("visit_type")) or (
        visit_types[0] if len(visit_types) == 1 else None
    )
    context = {
        "organization": org,
        "locations": locations,
        "visit_types": visit_types,
        "location": location,
        "visit_type": vt,
    }
    if location is None or vt is None:
        return render(request, "web/scheduling/public_start.html", context)
    cards = _cards(org, location, vt, settings)
    card = next((c for c in cards if str(c["id"]) == request.GET.get("provider", "")), None)
    context.update(cards=cards, card=card, zone_name=location.timezone)
    if card is None:
        return render(request, "web/scheduling/public_providers.html", context)
    # The times of one provider, a week at a time from the chosen day (default: the first
    # day with room).
    today = queries.local_today(location)
    try:
        first = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        first = date.fromisoformat(card["next_day"]) if card["next_day"] else today
    first = max(first, today)
    zone = ZoneInfo(location.timezone)
    provider = queries.bookable_providers(location, vt, online=True).get(pk=card["id"])
    found = queries.slots_at(
        location,
        [provider],
        timedelta(minutes=vt.duration_minutes),
        first,
        SLOT_DAYS,
        online=True,
        settings=settings,
    )[provider.pk]
    base = {"location": location.pk, "visit_type": vt.pk, "provider": provider.pk}
    days: dict[date, list] = {}
    for s in found:
        days.setdefault(s.astimezone(zone).date(), []).append(
            {
                "time": clock(s, zone),
                "url": reverse("web:book_details", args=[org.slug])
                + "?"
                + urlencode({**base, "start": s.isoformat()}),
            }
        )
    query = urlencode({**base, "from": (first + timedelta(days=SLOT_DAYS)).isoformat()})
    context.update(
        days=[{"label": long_day(d), "slots": v} for d, v in sorted(days.items())],
        later_url=f"{reverse('web:book', args=[org.slug])}?{query}",
        first_label=long_day(first),
    )
    return render(request, "web/scheduling/public_times.html", context)


def _target(request, org, settings):
    params = request.POST if request.method == "POST" else request.GET
    locations, visit_types = _choices(org)
    location = _pick(locations, params.get("location"))
    vt = _pick(visit_types, params.get("visit_type"))
    if location is None or vt is None:
        raise Http404("No such location or visit type.")
    provider = (
        queries.bookable_providers(location, vt, online=True)
        .filter(pk=_int(params.get("provider")))
        .first()
    )
    try:
        start = datetime.fromisoformat(params.get("start", ""))
    except ValueError:
        start = None
    if provider is None or start is None or start.tzinfo is None:
        raise Http404("No such provider or time.")
    return location, vt, provider, start


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def book_details(request, org_slug):
    """Name, email and phone; then review; then confirm (three posts of one form)."""
    org, settings = _organization(org_slug)
    location, vt, provider, start = _target(request, org, settings)
    zone = ZoneInfo(location.timezone)
    form = PatientForm(request.POST if request.method == "POST" else None, public=True)
    context = {
        "organization": org,
        "location": location,
        "visit_type": vt,
        "provider_name": provider.shown_name,
        "when": f"{long_day(start.astimezone(zone).date())}, {clock(start, zone)}",
        "zone_name": location.timezone,
        "params": {
            "location": location.pk,
            "visit_type": vt.pk,
            "provider": provider.pk,
            "start": start.isoformat(),
        },
        "times_url": reverse("web:book", args=[org.slug])
        + "?"
        + urlencode({"location": location.pk, "visit_type": vt.pk, "provider": provider.pk}),
        "form": form,
    }
    if request.method != "POST":
        return render(request, "web/scheduling/public_details.html", context)
    if throttled(request):
        return _too_many(request, org)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rules.check_patient(
                data["patient_name"],
                data["patient_email"],
                data["patient_phone"],
                email_required=True,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "web/scheduling/public_details.html", context)
        if "confirm" not in request.POST:
            return render(request, "web/scheduling/public_review.html", {**context, **data})
        try:
            appt = actions.book_online(
                org,
                {
                    **data,
                    "provider": provider,
                    "location": location,
                    "visit_type": vt,
                    "starts_at": start,
                },
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            context["unavailable"] = exc.message
        else:
            ref = signing.dumps(appt.pk, salt=DONE_SALT)
            return redirect("web:book_done", org.slug, ref)
    return render(request, "web/scheduling/public_details.html", context)


def book_done(request, org_slug, ref):
    org = get_object_or_404(Organization, slug=org_slug)
    try:
        pk = signing.loads(ref, salt=DONE_SALT, max_age=timedelta(days=1))
    except signing.BadSignature as exc:
        raise Http404("No such booking.") from exc
    appt = get_object_or_404(
        Appointment.objects.select_related("provider", "location", "visit_type"),
        organization=org,
        pk=pk,
    )
    return render(request, "web/scheduling/public_done.html", _public_appt(org, appt))


def _public_appt(org, appt) -> dict:
    zone = ZoneInfo(appt.location.timezone)
    return {
        "organization": org,
        "appt": appt,
        "provider_name": appt.provider.shown_name,
        "when": f"{long_day(appt.starts_at.astimezone(zone).date())}, "
        f"{clock(appt.starts_at, zone)}",
        "zone_name": appt.location.timezone,
        "cancelled": appt.status == AppointmentStatus.CANCELLED,
    }


def book_cancel(request, token):
    """The cancel link of the confirmation email: shows the appointment, cancels it once."""
    appt = actions.find_by_cancel_link(token)
    if appt is None:
        return render(
            request,
            "web/scheduling/public_message.html",
            {"title": "Link not valid", "message": "This cancel link is not valid."},
            status=404,
        )
    context = _public_appt(appt.organization, appt)
    if request.method == "POST" and not context["cancelled"]:
        if throttled(request, BOOKING_CANCELS):
            return _too_many(request, appt.organization)
        try:
            appt = actions.cancel_by_link(token)
        except Conflict as exc:
            context["error"] = exc.message
        else:
            context = _public_appt(appt.organization, appt)
            context["just_cancelled"] = True
    return render(request, "web/scheduling/public_cancel.html", context)
