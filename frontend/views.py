"""The employee web app: thin views over the same services and selectors as the API.

Each view parses input, builds the viewer, calls one selector or service and renders. Requests from
htmx (``HX-Request``) get the fragment they swap in; the same URLs work as plain forms and links
without JavaScript. Invisible posts are 404 (``policy.access_post``); a refused action shows the
rule's message and keeps what the employee typed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import policy
from common.paging import Page, PageInvalid
from frontend import cards, selectors
from frontend.forms import (
    ComposeForm,
    FilterForm,
    NotificationPreferencesForm,
    ProfileForm,
    RescheduleForm,
    TokenForm,
    failure_reason,
    invalid_message,
    refusal_message,
)
from policy import Viewer

TIMELINE_SIZE = 40

View = Callable[..., HttpResponse]


def employee_view(view: View) -> View:
    """Signed-in employees only (anonymous → sign-in page)."""

    @login_required(login_url="web:login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = request.viewer = Viewer.of(request.user)  # type: ignore[attr-defined]
        return view(request, viewer, *args, **kwargs)

    return wrapped


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(request: HttpRequest, *, limit: int = TIMELINE_SIZE) -> Page:
    try:
        page = Page.from_params(request.GET, default=limit, maximum=limit)
    except PageInvalid:
        raise Http404("Not found") from None
    return page


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target or fallback)


# --- timelines ------------------------------------------------------------------------------------


def _timeline(
    request: HttpRequest,
    viewer: Viewer,
    *,
    posts: list[Any],
    title: str,
    kind: str,
    filter_context: str | None = None,
    extra: dict[str, Any] | None = None,
    composer: bool = False,
) -> HttpResponse:
    """A page of ``posts``, with the viewer's keyword filters applied in ``filter_context``. Paging
    follows the posts the selector returned, not the cards left after filtering: a page whose posts
    were all hidden still leads on to older ones."""
    page = _page(request)
    people = cards.People()
    built = cards.build(viewer, posts, people, context=filter_context)
    context: dict[str, Any] = {
        "cards": built,
        "title": title,
        "kind": kind,
        "more_id": str(posts[-1].pk) if len(posts) >= page.limit else None,
        "newest_id": str(posts[0].pk) if posts else (page.since_id or 0),
        **(extra or {}),
    }
    if _is_htmx(request) and (page.max_id or page.since_id):
        # "More" and "new posts" fetch only the cards.
        return render(request, "frontend/_cards.html", context)
    if composer:
        context["compose"] = ComposeForm.for_author(viewer.employee)  # type: ignore[arg-type]
    return render(request, "frontend/timeline.html", context)


@employee_view
@require_GET
def home(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from announcements.selectors import announcement_list
    from timelines.selectors import home_timeline

    page = _page(request)
    extra: dict[str, Any] = {"people": selectors.colleagues(viewer, limit=12)}
    if not (page.max_id or page.since_id):
        # Unread announcements head the first page; their number is the nav badge's too.
        unread = announcement_list(viewer)
        extra.update(announcements=unread, announcements_unread=len(unread))
    return _timeline(
        request,
        viewer,
        posts=home_timeline(viewer, page),
        title=_("Home"),
        kind="home",
        filter_context="home",
        composer=True,
        extra=extra,
    )


@employee_view
@require_GET
def company(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from timelines.selectors import public_timeline

    return _timeline(
        request,
        viewer,
        posts=public_timeline(viewer, _page(request)),
        title=_("Company"),
        kind="company",
        filter_context="public",
        composer=True,
    )


@employee_view
@require_GET
def my_unit(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    assert viewer.employee is not None
    if viewer.employee.unit_id is None:
        raise Http404("Not found")
    return HttpResponseRedirect(reverse("web:unit", args=[viewer.employee.unit_id]))


@employee_view
@require_GET
def unit(request: HttpRequest, viewer: Viewer, unit_id: int) -> HttpResponse:
    from timelines.selectors import unit_timeline

    found = selectors.unit_get(viewer, unit_id)
    return _timeline(
        request,
        viewer,
        posts=unit_timeline(viewer, found.pk, _page(request)),
        title=found.name,
        kind="unit",
        filter_context="public",
        extra={"unit": found, "members": selectors.people_in_unit(viewer, found, limit=12)},
    )


@employee_view
@require_GET
def tag(request: HttpRequest, viewer: Viewer, name: str) -> HttpResponse:
    from posts.text import normalise_tag
    from social.selectors import follows_tag_named
    from timelines.selectors import tag_timeline

    normalised = normalise_tag(name)
    if not normalised:
        raise Http404("Not found")
    extra: dict[str, Any] = {"tag": normalised}
    if (following := follows_tag_named(viewer, name)) is not None:
        extra["tag_follow"] = {"name": normalised, "following": following}
    return _timeline(
        request,
        viewer,
        posts=tag_timeline(viewer, normalised, _page(request)),
        title=f"#{name}",
        kind="tag",
        filter_context="public",
        extra=extra,
        composer=True,
    )


@employee_view
@require_POST
def tag_follow(request: HttpRequest, viewer: Viewer, name: str) -> HttpResponse:
    """Follow or (``undo=1``) unfollow a hashtag: its posts then reach the home timeline."""
    from posts.text import tag_named
    from social.errors import SocialInvalid
    from social.selectors import follows_tag_named
    from social.services import MAX_FOLLOWED_TAGS, tag_unfollow
    from social.services import tag_follow as follow

    named = tag_named(name)
    if named is None:
        raise Http404("Not found")
    try:
        if request.POST.get("undo") == "1":
            tag_unfollow(employee=viewer.employee, name=name)  # type: ignore[arg-type]
        else:
            follow(employee=viewer.employee, name=name)  # type: ignore[arg-type]
    except SocialInvalid:
        refused = _("You can follow at most %(count)s hashtags.") % {"count": MAX_FOLLOWED_TAGS}
        if _is_htmx(request):
            return HttpResponse(refused, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, refused)
    if not _is_htmx(request):
        return HttpResponseRedirect(reverse("web:tag", args=[named[0]]))
    following = follows_tag_named(viewer, name)
    return render(
        request, "frontend/_tag_follow.html", {"tag_follow": {"name": named[0], "following": following}}
    )


@employee_view
@require_GET
def bookmarks(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from posts.selectors import bookmarks_timeline

    posts, _next, _prev = bookmarks_timeline(viewer, _page(request))
    return _timeline(request, viewer, posts=posts, title=_("Bookmarks"), kind="bookmarks")


# --- one post -------------------------------------------------------------------------------------


@employee_view
@require_GET
def post_detail(request: HttpRequest, viewer: Viewer, username: str, post_id: int) -> HttpResponse:
    from posts.selectors import status_context

    post = policy.access_post(viewer, post_id)
    if post.author.username.lower() != username.lower():
        raise Http404("Not found")
    ancestors, descendants = status_context(viewer, post)
    if post.audience == "direct" and post.thread_id is not None:  # posts.models.Audience.DIRECT
        from timelines.services import conversation_mark_read

        # Reading a message reads its conversation (not found: one who may read it, but is not in it).
        with contextlib.suppress(Http404):
            conversation_mark_read(viewer=viewer, thread_id=post.thread_id)
    people = cards.People()
    # The thread's other posts are filtered ("thread"); the one asked for is shown whatever they say.
    built = cards.build(
        viewer, [*ancestors, post, *descendants], people, context="thread", unfiltered={post.pk}
    )
    n = next(i for i, c in enumerate(built) if c.entry.pk == post.pk)
    compose = ComposeForm.for_author(viewer.employee, reply_to=post)  # type: ignore[arg-type]
    return render(
        request,
        "frontend/post.html",
        {
            "ancestors": built[:n],
            "card": built[n],
            "descendants": built[n + 1 :],
            "compose": compose,
            "title": _("Post by %(name)s") % {"name": built[n].author.name},
        },
    )


@employee_view
@require_GET
def direct(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The viewer's direct-message conversations, the newest last message first, unread ones marked.
    Opening a conversation's message reads it (``post_detail``)."""
    from directory.models import Employee
    from timelines.selectors import conversation_list

    page = _page(request)
    rows = conversation_list(viewer, page)
    people = cards.People()
    by_post = {c.entry.pk: c for c in cards.build(viewer, [r.last_status for r in rows], people)}
    everyone = {pk for r in rows for pk in r.participant_ids}
    found = list(Employee.objects.filter(pk__in=everyone).select_related("unit")) if everyone else []
    persons = {person.pk: person for person in people.people(found)}
    items = [
        {
            "conversation": r,
            "card": by_post[r.last_status.pk],
            "with": [persons[pk] for pk in r.participant_ids if pk in persons],
        }
        for r in rows
    ]
    context: dict[str, Any] = {
        "items": items,
        "more_id": rows[-1].paging_id if len(rows) >= page.limit else None,
        "title": _("Messages"),
        "kind": "direct",
    }
    if page == Page(limit=page.limit) and len(rows) < page.limit:
        # Every conversation is on this page: the badge counts them here instead of reading them again.
        context["unread_conversations"] = sum(r.unread for r in rows)
    return render(request, "frontend/direct.html", context)


@employee_view
@require_GET
def messages_badge(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(
        request, "frontend/_messages_badge.html", {"unread": selectors.unread_conversations(viewer)}
    )


@employee_view
@require_GET
def post_actions(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """The action bar of one post with fresh counts (the live updates re-fetch it)."""
    post = policy.access_post(viewer, post_id)
    card = cards.build(viewer, [post])[0]
    return render(request, "frontend/_actions.html", {"card": card})


def _act(request: HttpRequest, viewer: Viewer, post_id: int, action: Callable[..., Any]) -> HttpResponse:
    from posts.errors import PostInvalid

    post = policy.access_post(viewer, post_id)
    try:
        action(post)
    except (policy.ActionRefused, PostInvalid) as refused:
        refused_403 = isinstance(refused, policy.ActionRefused)
        message = refusal_message(refused) if refused_403 else invalid_message(refused)
        if _is_htmx(request):
            return HttpResponse(
                message, status=403 if refused_403 else 422, content_type="text/plain; charset=utf-8"
            )
        messages.error(request, message)
        return _back(request, reverse("web:home"))
    if not _is_htmx(request):
        return _back(request, reverse("web:home"))
    card = cards.build(viewer, [policy.access_post(viewer, post_id)])[0]
    return render(request, "frontend/_actions.html", {"card": card})


def _toggle(
    request: HttpRequest,
    viewer: Viewer,
    post_id: int,
    on: Callable[..., Any],
    off: Callable[..., Any],
    *,
    as_: str = "employee",
) -> HttpResponse:
    """One of the action bar's toggles: ``on`` the post, or ``off`` with ``undo``, by the viewer (passed
    to the service as ``as_``)."""
    me = viewer.employee
    assert me is not None  # employee_view lets employees in only
    service = off if request.POST.get("undo") == "1" else on
    return _act(request, viewer, post_id, lambda post: service(post=post, **{as_: me}))


@employee_view
@require_POST
def favourite(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from posts.services import favourite_add, favourite_remove

    return _toggle(request, viewer, post_id, favourite_add, favourite_remove)


@employee_view
@require_POST
def bookmark(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from posts.services import bookmark_add, bookmark_remove

    return _toggle(request, viewer, post_id, bookmark_add, bookmark_remove)


@employee_view
@require_POST
def pin(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """Pin one's own post to the top of one's profile."""
    from posts.services import pin_add, pin_remove

    return _toggle(request, viewer, post_id, pin_add, pin_remove)


@employee_view
@require_POST
def mute(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """Turn the conversation's notifications off."""
    from posts.services import conversation_mute, conversation_unmute

    return _toggle(request, viewer, post_id, conversation_mute, conversation_unmute)


@employee_view
@require_POST
def reblog(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from posts.services import post_reblog, post_unreblog

    return _toggle(request, viewer, post_id, post_reblog, post_unreblog, as_="actor")


@employee_view
@require_POST
def vote(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from posts.errors import PostInvalid
    from posts.services import poll_vote

    post = policy.access_post(viewer, post_id)
    poll = getattr(post, "poll", None)
    if poll is None:
        raise Http404("Not found")
    try:
        poll_vote(poll=poll, voter=viewer.employee, choices=request.POST.getlist("choice"))  # type: ignore[arg-type]
    except PostInvalid as invalid:
        messages.error(request, str(invalid).removeprefix("Validation failed: "))
    if _is_htmx(request):
        card = cards.build(viewer, [policy.access_post(viewer, post_id)])[0]
        return render(request, "frontend/_card.html", {"card": card})
    return _back(request, reverse("web:home"))


@employee_view
@require_POST
def delete(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    from posts.services import post_delete

    post = policy.access_post(viewer, post_id)
    try:
        post_delete(post=post, actor=viewer.employee)  # type: ignore[arg-type]
    except policy.ActionRefused as refused:
        messages.error(request, refusal_message(refused))
        return _back(request, reverse("web:home"))
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Your post was deleted."))
    return HttpResponseRedirect(reverse("web:home"))


# --- composer -------------------------------------------------------------------------------------


@employee_view
@require_POST
def compose(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from frontend.services import compose as compose_post
    from frontend.services import schedule as schedule_post
    from posts.errors import PostInvalid

    author = viewer.employee
    assert author is not None
    form = ComposeForm.from_post(author, request.POST, request.FILES)
    post = scheduled = None
    if form.is_valid():
        try:
            if form.scheduled_at is not None:
                scheduled = schedule_post(
                    author=author, draft=form.draft, uploads=form.uploads, scheduled_at=form.scheduled_at
                )
            else:
                post = compose_post(author=author, draft=form.draft, uploads=form.uploads)
        except policy.ActionRefused as refused:
            form.refuse(refusal_message(refused))
        except PostInvalid as invalid:
            form.fail(str(invalid))
    if scheduled is not None:
        return _scheduled_from_composer(request, form, scheduled)
    if post is None:
        status = 403 if form.refused else 422
        if _is_htmx(request):
            return render(request, "frontend/_composer.html", {"compose": form}, status=status)
        return render(
            request,
            "frontend/compose_page.html",
            {"compose": form, "title": _("New post")},
            status=status,
        )
    if not _is_htmx(request):
        return HttpResponseRedirect(reverse("web:post", args=[author.username, post.pk]))
    if form.draft.replaces:
        # Written again from a failed scheduled post, on a page of its own: go and see it.
        return _hx_redirect(reverse("web:post", args=[author.username, post.pk]))
    fresh = ComposeForm.for_author(author, reply_to_id=form.draft.in_reply_to_id or None)
    built = cards.build(viewer, [policy.access_post(viewer, post.pk)])
    return render(request, "frontend/_composed.html", {"compose": fresh, "cards": built, "posted": True})


def _hx_redirect(url: str) -> HttpResponse:
    response = HttpResponse("")
    response["HX-Redirect"] = url
    return response


def _scheduled_from_composer(request: HttpRequest, form: ComposeForm, scheduled: Any) -> HttpResponse:
    """A post scheduled from the composer: say when it will be published, with the way to the list."""
    from frontend.templatetags.web import full_time

    author = form.author
    if not _is_htmx(request) or form.draft.replaces:
        messages.success(
            request,
            _("Scheduled: your post will be published on %(when)s.")
            % {"when": full_time(scheduled.scheduled_at)},
        )
        target = reverse("web:scheduled") + f"#scheduled-{scheduled.pk}"
        return _hx_redirect(target) if _is_htmx(request) else HttpResponseRedirect(target)
    fresh = ComposeForm.for_author(author, reply_to_id=form.draft.in_reply_to_id or None)
    return render(request, "frontend/_composer.html", {"compose": fresh, "scheduled": scheduled})


@employee_view
@require_GET
def audience_preview(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """ "Who will see this": a count and a few faces, from the visibility engine, as the picker changes."""
    author = viewer.employee
    assert author is not None
    preview_fn = getattr(policy, "audience_preview", None)
    form = ComposeForm.from_post(author, request.GET, None)
    audience = form.draft.audience or ComposeForm.default_audience(author)
    context: dict[str, Any] = {"audience": audience, "available": callable(preview_fn)}
    if callable(preview_fn):
        from posts.models import Audience

        mentioned = selectors.mentioned_ids(form.draft.text)
        unit_id = form.draft.unit_id or (author.unit_id if audience == Audience.UNIT else None)
        try:
            preview = preview_fn(
                author,
                audience=audience,
                unit_id=int(unit_id) if unit_id else None,
                min_rank=int(form.draft.min_rank) if form.draft.min_rank else None,
                mentioned_ids=tuple(mentioned),
            )
        except (ValueError, TypeError, Http404):
            preview = None
        context["preview"] = preview
        if preview is not None:
            context["faces"] = cards.People().people(list(preview.sample)[:5])
        if unit_id and audience == Audience.UNIT:
            with contextlib.suppress(Http404):
                context["unit"] = selectors.unit_get(viewer, unit_id)
    return render(request, "frontend/_audience.html", context)


@employee_view
@require_GET
def suggest(request: HttpRequest, viewer: Viewer) -> JsonResponse:
    """Composer autocomplete: ``q=@김`` suggests people by real name, ``q=#주간`` hashtags."""
    q = request.GET.get("q", "")
    if q.startswith("#"):
        tags = selectors.tag_suggestions(viewer, q)
        return JsonResponse(
            {"items": [{"insert": f"#{t.display_name}", "label": f"#{t.display_name}"} for t in tags]}
        )
    people = cards.People().people(selectors.mention_suggestions(viewer, q))
    return JsonResponse(
        {
            "items": [
                {
                    "insert": f"@{p.username}",
                    "label": p.name,
                    "detail": " · ".join(x for x in (p.unit.name if p.unit else "", p.employee.title) if x),
                    "avatar": p.avatar,
                }
                for p in people
            ]
        }
    )


# --- scheduled posts ------------------------------------------------------------------------------


@employee_view
@require_GET
def scheduled(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The viewer's posts waiting for their time, soonest first, each to move or cancel; and those that
    could not be published when due, with the reason, to write again or dismiss."""
    return _scheduled_page(request, viewer)


def _scheduled_page(
    request: HttpRequest, viewer: Viewer, *, retry: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    found = selectors.scheduled_posts(viewer)
    return render(
        request,
        "frontend/scheduled.html",
        {
            "pending": found.pending,
            "failed": [(item, failure_reason(item.scheduled.error)) for item in found.failed],
            "retry": retry or {},
            "title": _("Scheduled posts"),
            "kind": "scheduled",
        },
        status=status,
    )


@employee_view
@require_POST
def scheduled_reschedule(request: HttpRequest, viewer: Viewer, scheduled_id: int) -> HttpResponse:
    from frontend.templatetags.web import full_time
    from posts.errors import PostInvalid
    from posts.selectors import scheduled_post_get
    from posts.services import scheduled_post_reschedule

    found = scheduled_post_get(viewer, scheduled_id)  # another's, or no longer waiting: 404
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            moved = scheduled_post_reschedule(scheduled=found, scheduled_at=form.cleaned_data["scheduled_at"])
        except PostInvalid as invalid:
            form.add_error("scheduled_at", invalid_message(invalid))
        else:
            messages.success(
                request,
                _("The post will now be published on %(when)s.") % {"when": full_time(moved.scheduled_at)},
            )
            return HttpResponseRedirect(reverse("web:scheduled") + f"#scheduled-{found.pk}")
    retry = {
        "id": found.pk,
        "value": str(request.POST.get("scheduled_at", "")),
        "error": " ".join(str(e) for e in form.errors.get("scheduled_at", [])),
    }
    return _scheduled_page(request, viewer, retry=retry, status=422)


@employee_view
@require_POST
def scheduled_cancel(request: HttpRequest, viewer: Viewer, scheduled_id: int) -> HttpResponse:
    from posts.selectors import scheduled_post_get
    from posts.services import scheduled_post_delete

    scheduled_post_delete(scheduled=scheduled_post_get(viewer, scheduled_id))
    messages.success(request, _("The scheduled post was cancelled."))
    return HttpResponseRedirect(reverse("web:scheduled"))


@employee_view
@require_GET
def scheduled_edit(request: HttpRequest, viewer: Viewer, scheduled_id: int) -> HttpResponse:
    """ "Edit as new post": the composer with a failed scheduled post's text, audience, images and poll;
    posting or scheduling it dismisses the failed one."""
    author = viewer.employee
    assert author is not None
    item = selectors.scheduled_failed_get(viewer, scheduled_id)
    reply_to = item.scheduled.params.get("in_reply_to_id")
    reply = False
    if reply_to:
        # A reply whose post has gone (or can no longer be seen) is written again as a post of its own.
        with contextlib.suppress(Http404):
            reply = policy.access_post(viewer, reply_to) is not None
    return render(
        request,
        "frontend/compose_page.html",
        {
            "compose": ComposeForm.from_scheduled(author, item.scheduled, reply=reply),
            "failed_reason": failure_reason(item.scheduled.error),
            "title": _("Edit as new post"),
        },
    )


@employee_view
@require_POST
def scheduled_dismiss(request: HttpRequest, viewer: Viewer, scheduled_id: int) -> HttpResponse:
    from frontend.services import scheduled_failed_dismiss

    item = selectors.scheduled_failed_get(viewer, scheduled_id)
    scheduled_failed_dismiss(author=viewer.employee, scheduled_id=item.scheduled.pk)  # type: ignore[arg-type]
    messages.success(request, _("The failed post was dismissed."))
    return HttpResponseRedirect(reverse("web:scheduled"))


# --- announcements --------------------------------------------------------------------------------


@employee_view
@require_GET
def announcements(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Every announcement shown to the viewer now, read ones too, with the same controls as on Home."""
    from announcements.selectors import announcement_list

    items = announcement_list(viewer, with_dismissed=True)
    return render(
        request,
        "frontend/announcements.html",
        {
            "items": items,
            "listing": True,
            "announcements_unread": sum(not item.read for item in items),
            "title": _("Announcements"),
            "kind": "announcements",
        },
    )


@employee_view
@require_POST
def announcement_dismiss(request: HttpRequest, viewer: Viewer, announcement_id: int) -> HttpResponse:
    """ "Mark as read": it leaves Home (and the badge's count); the Announcements page keeps it."""
    from announcements.selectors import announcement_get
    from announcements.services import announcement_dismiss as dismiss

    found = announcement_get(viewer, announcement_id)  # not for the viewer: 404
    dismiss(employee=viewer.employee, announcement=found)  # type: ignore[arg-type]
    return _announcement_answer(request, viewer, found)


@employee_view
@require_POST
def announcement_react(request: HttpRequest, viewer: Viewer, announcement_id: int) -> HttpResponse:
    """Add the emoji ``name`` to an announcement, or (``undo=1``) take one's own away."""
    from announcements.selectors import announcement_get
    from announcements.services import announcement_react as react
    from announcements.services import announcement_unreact as unreact

    found = announcement_get(viewer, announcement_id)  # not for the viewer: 404
    service = unreact if request.POST.get("undo") == "1" else react
    try:
        service(employee=viewer.employee, announcement=found, name=request.POST.get("name", ""))  # type: ignore[arg-type]
    except ValidationError as refused:
        message = " ".join(m.removeprefix("Validation failed: ") for m in refused.messages)
        if _is_htmx(request):
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
    return _announcement_answer(request, viewer, found)


def _announcement_answer(request: HttpRequest, viewer: Viewer, found: Any) -> HttpResponse:
    """Back to the page the form was on; for htmx the card as it is now (none on Home once read),
    and the nav badge's new count."""
    from announcements.selectors import announcement_item, unread_announcement_count

    listing = request.POST.get("listing") == "1"  # sent from the Announcements page
    if not _is_htmx(request):
        return HttpResponseRedirect(
            reverse("web:announcements") if listing else reverse("web:home") + "#announcements"
        )
    item = announcement_item(viewer, found)
    context = {
        "item": item,
        "show": listing or not item.read,
        "listing": listing,
        "announcements_unread": unread_announcement_count(viewer),
    }
    return render(request, "frontend/_announcement_done.html", context)


# --- people ---------------------------------------------------------------------------------------


@employee_view
@require_GET
def profile(request: HttpRequest, viewer: Viewer, username: str) -> HttpResponse:
    from posts.services import PIN_LIMIT
    from social.selectors import relationships
    from timelines.selectors import account_timeline

    person = selectors.employee_by_username(viewer, username)
    page = _page(request)
    posts = account_timeline(viewer, person.pk, page)
    # The first page starts with what the person pinned (as many as one may pin), as Mastodon's does.
    pinned = [] if page.max_id else account_timeline(viewer, person.pk, Page(limit=PIN_LIMIT), pinned=True)
    more_id = str(posts[-1].pk) if len(posts) >= page.limit else None
    # A pinned post shows once on the page: at the top.
    pinned_ids = {p.pk for p in pinned}
    people = cards.People()
    both = cards.build(
        viewer, [*pinned, *(p for p in posts if p.pk not in pinned_ids)], people, context="account"
    )
    # Split by id: the filters may have left some pinned posts out.
    pinned_cards = [c for c in both if c.entry.pk in pinned_ids]
    built = [c for c in both if c.entry.pk not in pinned_ids]
    if _is_htmx(request) and page.max_id:
        return render(request, "frontend/_cards.html", {"cards": built, "more_id": more_id})
    relation = relationships(viewer, [person.pk])
    return render(
        request,
        "frontend/profile.html",
        {
            "person": people.people([person])[0],
            "cards": built,
            "pinned": pinned_cards,
            "relation": relation[0] if relation else None,
            "counts": selectors.follow_counts(person),
            "more_id": more_id,
            "title": person.display_name,
        },
    )


@employee_view
@require_POST
def follow(request: HttpRequest, viewer: Viewer, username: str) -> HttpResponse:
    from social.selectors import relationships
    from social.services import follow_create, follow_delete

    person = selectors.employee_by_username(viewer, username)
    try:
        if request.POST.get("undo") == "1":
            follow_delete(follower=viewer.employee, target=person)  # type: ignore[arg-type]
        elif (notify := request.POST.get("notify")) in ("0", "1"):
            # The bell beside "Following": notifications of the person's every post, on or off.
            follow_create(follower=viewer.employee, target=person, notify=notify == "1")  # type: ignore[arg-type]
        elif (reblogs := request.POST.get("reblogs")) in ("0", "1"):
            # Their reposts in one's home timeline, or not (Mastodon's "hide boosts").
            follow_create(follower=viewer.employee, target=person, reblogs=reblogs == "1")  # type: ignore[arg-type]
        else:
            follow_create(follower=viewer.employee, target=person)  # type: ignore[arg-type]
    except policy.ActionRefused as refused:
        if _is_htmx(request):
            return HttpResponse(
                refusal_message(refused), status=403, content_type="text/plain; charset=utf-8"
            )
        messages.error(request, refusal_message(refused))
    if not _is_htmx(request):
        return HttpResponseRedirect(reverse("web:profile", args=[person.username]))
    relation = relationships(viewer, [person.pk])
    return render(
        request,
        "frontend/_follow.html",
        {"person": cards.People().people([person])[0], "relation": relation[0] if relation else None},
    )


@employee_view
@require_GET
def people(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    unit_id = request.GET.get("unit")
    chosen = selectors.unit_get(viewer, unit_id) if unit_id else None
    if q:
        found = selectors.people_search(viewer, q)
    elif chosen is not None:
        found = selectors.people_in_unit(viewer, chosen)
    else:
        found = list(selectors.colleagues(viewer, limit=selectors.PEOPLE_PAGE))
    rows = cards.People().people(found)
    if _is_htmx(request) and request.headers.get("HX-Target") == "people-results":
        return render(request, "frontend/_people.html", {"people": rows, "q": q})
    return render(
        request,
        "frontend/people.html",
        {
            "people": rows,
            "q": q,
            "unit": chosen,
            "tree": selectors.org_tree(viewer),
            "title": _("People"),
        },
    )


# --- notifications, search ------------------------------------------------------------------------


@employee_view
@require_GET
def notifications(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from notifications.selectors import notification_list
    from timelines.services import marker_set

    page = _page(request, limit=30)
    rows = notification_list(viewer, page)
    posts = [n.post for n in rows if n.post is not None]
    people = cards.People()
    by_post = {c.entry.pk: c for c in cards.build(viewer, posts, people, context="notifications")}
    # A notification about a post the viewer's filters hide in notifications is left out, as the API does.
    hidden = {p.pk for p in posts} - by_post.keys()
    items = [
        {"n": n, "actor": people.person(n.actor), "card": by_post.get(n.post_id) if n.post_id else None}
        for n in rows
        if n.post_id not in hidden
    ]
    if rows and not page.max_id:
        # Seeing the newest notifications reads them: the badge clears here and in every open tab.
        marker_set(employee=viewer.employee, timeline="notifications", last_read_id=rows[0].pk)  # type: ignore[arg-type]
    return render(
        request,
        "frontend/notifications.html",
        {
            "items": items,
            "more_id": rows[-1].pk if len(rows) >= page.limit else None,
            "title": _("Notifications"),
            "unread": 0,
        },
    )


@employee_view
@require_GET
def badge(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "frontend/_badge.html", {"unread": selectors.unread_notifications(viewer)})


@employee_view
@require_GET
def search(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:100]
    context: dict[str, Any] = {"q": q, "title": _("Search")}
    if q:
        people = cards.People()
        context["people"] = people.people(selectors.people_search(viewer, q, limit=6))
        context["tags"] = selectors.tag_search(viewer, q, limit=8)
        context["cards"] = cards.build(viewer, selectors.search_posts(viewer, q), people)
    return render(request, "frontend/search.html", context)


# --- settings -------------------------------------------------------------------------------------


@employee_view
def settings_profile(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from directory.services import company_basics, employee_remove_photo, employee_update_profile
    from frontend.middleware import company_language

    me = viewer.employee
    assert me is not None
    company = company_language(request)
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        employee=me,
        company_language=company,
        company_time_zone=company_basics().time_zone,
    )
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        try:
            employee_update_profile(
                employee=me,
                bio=form.cleaned_data["bio"],
                locale=form.cleaned_data["locale"],  # "" = follow the company's language again
                time_zone=form.cleaned_data["time_zone"],  # "" = the company's zone again
                photo=photo.read() if photo else None,
            )
            if form.cleaned_data.get("remove_photo") and not photo:
                employee_remove_photo(employee=me)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            from django.utils import translation

            translation.activate(form.cleaned_data["locale"] or company)
            messages.success(request, _("Your profile was saved."))
            return HttpResponseRedirect(reverse("web:settings"))
    return render(
        request,
        "frontend/settings.html",
        {
            "form": form,
            "person": cards.People().people([me])[0],
            "title": _("Settings"),
            "section": "profile",
        },
        status=422 if request.method == "POST" else 200,
    )


@employee_view
def settings_notifications(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from notifications.selectors import notification_preferences
    from notifications.services import notification_preferences_update

    me = viewer.employee
    assert me is not None
    form = NotificationPreferencesForm(request.POST or None, preferences=notification_preferences(viewer))
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_update(employee=me, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return HttpResponseRedirect(reverse("web:settings-notifications"))
    return render(
        request,
        "frontend/settings_notifications.html",
        {"form": form, "title": _("Notifications"), "section": "notifications"},
        status=422 if request.method == "POST" else 200,
    )


@employee_view
def settings_apps(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from frontend.services import TokenInvalid, personal_token_create

    me = viewer.employee
    assert me is not None
    form = TokenForm(request.POST or None)
    new_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new_token = personal_token_create(
                    employee=me, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
                )
            except TokenInvalid:
                form.add_error("name", _("Give the token a name of at most 40 characters."))
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    return render(
        request,
        "frontend/settings_apps.html",
        {
            "form": form,
            "apps": selectors.authorised_apps(viewer),
            "new_token": new_token,
            "title": _("Apps and tokens"),
            "section": "apps",
        },
        status=status,
    )


@employee_view
@require_POST
def settings_app_revoke(request: HttpRequest, viewer: Viewer, application_id: int) -> HttpResponse:
    from frontend.services import authorised_app_revoke

    if authorised_app_revoke(employee=viewer.employee, application_id=application_id):  # type: ignore[arg-type]
        messages.success(request, _("Access was revoked."))
    return HttpResponseRedirect(reverse("web:settings-apps"))


# --- keyword filters ------------------------------------------------------------------------------


@employee_view
@require_GET
def settings_filters(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The viewer's filters: where each applies, what it does, its keywords, and whether it expired."""
    from django.utils import timezone

    from filters.selectors import filter_list
    from frontend.forms import FILTER_ACTIONS, FILTER_CONTEXTS

    now = timezone.now()
    places = {str(k): v for k, v in FILTER_CONTEXTS}
    actions = {str(k): v for k, v in FILTER_ACTIONS}
    rows = [
        {
            "filter": f,
            "contexts": [places[c] for c in f.contexts if c in places],
            "action": actions.get(f.action, f.action),
            "expired": f.expires_at is not None and f.expires_at <= now,
        }
        for f in filter_list(viewer)
    ]
    return render(
        request,
        "frontend/settings_filters.html",
        {"rows": rows, "title": _("Filters"), "section": "filters"},
    )


@employee_view
def settings_filter_new(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    from filters.errors import FilterInvalid
    from filters.services import filter_create

    me = viewer.employee
    assert me is not None
    form = FilterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = filter_create(owner=me, **form.changes)
        except FilterInvalid as invalid:
            form.refused(invalid)
        else:
            messages.success(request, _("The filter “%(title)s” was created.") % {"title": created.title})
            return HttpResponseRedirect(reverse("web:settings-filters"))
    return _filter_page(request, form, title=_("New filter"))


@employee_view
def settings_filter_edit(request: HttpRequest, viewer: Viewer, filter_id: int) -> HttpResponse:
    from django.utils import timezone

    from filters.errors import FilterInvalid
    from filters.selectors import filter_get
    from filters.services import filter_update

    me = viewer.employee
    assert me is not None
    found = filter_get(viewer, filter_id, with_rules=True)  # another's: 404
    form = FilterForm(request.POST if request.method == "POST" else None, filter=found, now=timezone.now())
    if request.method == "POST" and form.is_valid():
        try:
            filter_update(filter=found, owner=me, **form.changes)
        except FilterInvalid as invalid:
            form.refused(invalid)
        else:
            messages.success(request, _("The filter “%(title)s” was saved.") % {"title": found.title})
            return HttpResponseRedirect(reverse("web:settings-filters"))
    hand_picked = selectors.filtered_posts(viewer, [s.post_id for s in found.statuses.all()])
    return _filter_page(
        request,
        form,
        title=found.title,
        extra={
            "filter": found,
            "statuses": [(s, hand_picked.get(s.post_id)) for s in found.statuses.all()],
        },
    )


def _filter_page(
    request: HttpRequest, form: FilterForm, *, title: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    return render(
        request,
        "frontend/settings_filter.html",
        {"form": form, "title": title, "section": "filters", **(extra or {})},
        status=422 if request.method == "POST" else 200,
    )


@employee_view
@require_POST
def settings_filter_delete(request: HttpRequest, viewer: Viewer, filter_id: int) -> HttpResponse:
    from filters.selectors import filter_get
    from filters.services import filter_delete

    found = filter_get(viewer, filter_id)
    filter_delete(filter=found, owner=viewer.employee)  # type: ignore[arg-type]
    messages.success(request, _("The filter “%(title)s” was deleted.") % {"title": found.title})
    return HttpResponseRedirect(reverse("web:settings-filters"))


@employee_view
@require_POST
def settings_filter_status_remove(
    request: HttpRequest, viewer: Viewer, filter_id: int, status_id: int
) -> HttpResponse:
    """Take a post filtered by hand out of its filter."""
    from filters.selectors import filter_status_get
    from filters.services import filter_status_remove

    found = filter_status_get(viewer, status_id)
    if found.filter_id != filter_id:
        raise Http404("Not found")
    filter_status_remove(status=found, owner=viewer.employee)  # type: ignore[arg-type]
    messages.success(request, _("The post was taken out of the filter."))
    return HttpResponseRedirect(reverse("web:settings-filter", args=[filter_id]))


@employee_view
def post_filter(request: HttpRequest, viewer: Viewer, post_id: int) -> HttpResponse:
    """ "Filter this post": add it to one of the viewer's filters, or hide it everywhere through a
    "Hidden posts" filter made for it. A post the viewer may not see is missing (404)."""
    from filters.errors import FilterInvalid
    from filters.selectors import filter_list
    from frontend.services import post_filter_add

    me = viewer.employee
    assert me is not None
    post = policy.access_post(viewer, post_id)
    hidden_posts = _("Hidden posts")
    own = filter_list(viewer)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("filter", "")
        target = next((f for f in own if str(f.pk) == chosen), None)
        if chosen != "new" and target is None:
            error = _("Choose a filter.")
        else:
            try:
                used = post_filter_add(owner=me, post=post, into=target, title=hidden_posts)
            except FilterInvalid:
                error = _("This post is already in that filter.")
            else:
                messages.success(
                    request, _("The post was added to the filter “%(title)s”.") % {"title": used.title}
                )
                back = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                    back = reverse("web:home")
                return HttpResponseRedirect(back or reverse("web:home"))
    return render(
        request,
        "frontend/post_filter.html",
        {
            "card": cards.build(viewer, [post])[0],
            # The one "Hidden posts" stands for is not offered twice.
            "filters": [f for f in own if not (f.title == hidden_posts and f.action == "hide")],
            "error": error,
            # Where to go back to once done: the page the link was on.
            "next": request.POST.get("next", "")
            if request.method == "POST"
            else request.GET.get("next") or request.META.get("HTTP_REFERER", ""),
            "title": _("Filter this post"),
        },
        status=422 if error else 200,
    )


# --- PWA ------------------------------------------------------------------------------------------


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    from django.templatetags.static import static

    tenant = getattr(request, "tenant", None)
    name = getattr(tenant, "name", "BizTweet")
    data = {
        "name": f"{name} · BizTweet",
        "short_name": name[:12],
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#2457d6",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("frontend/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("frontend/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("frontend/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    from django.contrib.staticfiles import finders

    path = finders.find("frontend/sw.js")
    if not path:
        raise Http404("Not found")
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
