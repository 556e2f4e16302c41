"""Small template helpers of the web app: localised numbers and times, the unread badges."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import template
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from policy import Viewer

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """A count with the locale's digit grouping (1,234)."""
    try:
        return str(formats.number_format(int(value), force_grouping=True))
    except (TypeError, ValueError):
        return ""


@register.filter
def ago(value: datetime | None) -> str:
    """ "3분" / "3m" for recent times, the localised date for older ones."""
    if value is None:
        return ""
    delta = timezone.now() - value
    if delta < timedelta(minutes=1):
        return _("just now")
    if delta < timedelta(hours=1):
        minutes = int(delta.total_seconds() // 60)
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    if delta < timedelta(days=1):
        hours = int(delta.total_seconds() // 3600)
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    local = timezone.localtime(value)
    if local.year == timezone.localtime().year:
        return str(formats.date_format(local, "MONTH_DAY_FORMAT"))
    return str(formats.date_format(local, "DATE_FORMAT"))


@register.filter
def full_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return str(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"))


@register.filter
def datetime_local(value: datetime | None) -> str:
    """A time as the value of an ``<input type=datetime-local>``, in the current time zone."""
    if value is None:
        return ""
    from frontend.forms import local_input

    return local_input(value)


# Mentions and hashtags are stored as absolute links to the tenant's canonical address (Mastodon apps
# need that); in the web app they stay on the host the employee is using.
_OWN_LINK = re.compile(r'href="https?://[^/"]+(/(?:tags/|@)[^"]*)" class="(u-url mention|mention hashtag)"')


def _own_links(content_html: str) -> SafeString:
    # content_html is rendered once at write time by posts.text.render and passed through nh3's
    # allow-list (p, br, a, span; http/https links only): the one kind of stored HTML we show.
    return mark_safe(_OWN_LINK.sub(r'href="\1" class="\2"', content_html))  # noqa: S308


@register.filter
def post_html(card: Any) -> SafeString:
    return _own_links(card.post.content_html)


@register.filter
def announcement_html(announcement: Any) -> SafeString:
    """An announcement's content, rendered as a post's is (``announcements.services``)."""
    return _own_links(announcement.content_html)


@register.filter
def event_span(announcement: Any) -> str:
    """When what an announcement announces happens, in the current time zone: days for an all-day
    event, else times, the end's date left out when it is the start's."""
    start, end = announcement.starts_at, announcement.ends_at
    if start is None and end is None:
        return ""
    if announcement.all_day:

        def show(value: datetime) -> str:
            return str(formats.date_format(timezone.localtime(value), "DATE_FORMAT"))

        same = start and end and timezone.localtime(start).date() == timezone.localtime(end).date()
        if start and (end is None or same):
            return show(start)
        if start and end:
            return f"{show(start)} – {show(end)}"
        return _("Until %(when)s") % {"when": show(end)}
    if start and end:
        if timezone.localtime(start).date() == timezone.localtime(end).date():
            until = str(formats.time_format(timezone.localtime(end), "TIME_FORMAT"))
        else:
            until = full_time(end)
        return f"{full_time(start)} – {until}"
    if start:
        return full_time(start)
    return _("Until %(when)s") % {"when": full_time(end)}


# Offered under every announcement; any other emoji is one a Mastodon app added.
COMMON_REACTIONS = ("👍", "❤️", "🎉", "😄", "😮", "🙏")


@register.filter
def reaction_choices(item: Any) -> list[str]:
    """The common emoji the reader can still add to an announcement: not one of theirs already, and
    only those already there once it has as many different ones as it may."""
    from announcements.services import MAX_REACTION_KINDS

    present = {r.name: r.me for r in item.reactions}
    full = len(present) >= MAX_REACTION_KINDS
    return [e for e in COMMON_REACTIONS if not present.get(e) and (e in present or not full)]


def _badge(context: template.Context, given: str, count: Callable[[Viewer], int]) -> int:
    """A nav badge's number: none for someone signed out; the page's own when it read it already
    (``context[given]``); else ``count`` for the page's own reader when it has one (``employee_view``),
    so that what it read once (keyword filters) is not read again for the badges."""
    from policy import Viewer

    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return 0
    if given in context:
        return int(context[given])
    return count(getattr(request, "viewer", None) or Viewer.of(request.user))


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    """The Notifications badge."""
    from frontend.selectors import unread_notifications

    return _badge(context, "unread", unread_notifications)


@register.simple_tag(takes_context=True)
def unread_conversations(context: template.Context) -> int:
    """The Messages badge; a page that read every conversation already passes it."""
    from frontend.selectors import unread_conversations as count

    return _badge(context, "unread_conversations", count)


@register.simple_tag(takes_context=True)
def unread_announcement_count(context: template.Context) -> int:
    """The Announcements badge; Home and the Announcements page, which list them, pass it."""
    from announcements.selectors import unread_announcement_count as count

    return _badge(context, "announcements_unread", count)


def _card_args(context: template.Context) -> dict[str, Any]:
    from frontend.card_html import csrf_input

    user = context.get("user")
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    return {"user_id": user_id, "csrf": csrf_input(context.get("csrf_token"))}


@register.simple_tag(takes_context=True)
def card_html(context: template.Context, card: Any) -> SafeString:
    """A post card (``frontend.card_html``)."""
    from frontend.card_html import render_card

    return render_card(card, **_card_args(context))


@register.simple_tag(takes_context=True)
def card_actions(context: template.Context, card: Any) -> SafeString:
    """A card's actions row alone (the htmx answer to a like, repost or bookmark)."""
    from frontend.card_html import render_actions

    return render_actions(card, **_card_args(context))
