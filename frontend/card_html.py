"""A post card's HTML, written in Python: the markup of every page that lists posts.

The card used to be three Django templates (card, actions, poll). Forty of them were most of the home
page's server time — about 60 template nodes each, three plural translations, date and number
formatting — and the page missed its p99 goal (bench/RESULTS.md, "Web"). The same markup built with
string formatting costs a fraction; the templates ``frontend/_card.html`` and ``frontend/_actions.html``
now call these functions, so every page and htmx partial shares one definition.

Every value from the database is escaped here (``escape``), exactly where the templates auto-escaped
it; the one exception is the post's ``content_html``, sanitised at write time (``post_html``).
Messages use the catalogue's existing msgids, so the Korean translations apply unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from frontend.templatetags.web import ago, full_time, num, post_html

if TYPE_CHECKING:
    from frontend.cards import Card


def csrf_input(token: Any) -> str:
    """What ``{% csrf_token %}`` writes, for a token already taken from the template context."""
    value = str(token) if token else ""
    if not value or value == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(value)}">'


def render_card(card: Card, *, user_id: int | None, csrf: str) -> SafeString:
    post = card.post
    author = card.author
    parts = [
        f'<article class="post{" filtered" if card.warned_by else ""}" id="post-{card.id}"'
        f' data-post="{card.pid}" aria-labelledby="post-{card.id}-by">'
    ]
    if card.warned_by:
        # Collapsed behind the filter's title; a <details> opens without script.
        show = gettext("Show anyway")  # outside the f-string, where makemessages finds it
        parts.append(f'<details class="filter-warn">{_filter_summary(card.warned_by, show)}')
    if card.reposted_by:
        note = gettext("%(name)s reposted") % {"name": escape(card.reposted_by.name)}
        parts.append(f'<p class="repost-note muted"><span aria-hidden="true">⟳</span> {note}</p>')
    title = escape(author.employee.title) + " · " if author.employee.title else ""
    unit = escape(author.unit.name) if author.unit else ""
    url = escape(author.url)
    parts.append(
        '<div class="post-row">'
        f'<a href="{url}" tabindex="-1" aria-hidden="true"><img class="avatar" src="{escape(author.avatar)}"'
        ' alt="" width="48" height="48" loading="lazy"></a>'
        '<div class="body"><header>'
        f'<a class="who" id="post-{card.id}-by" href="{url}"><strong>{escape(author.name)}</strong></a> '
        f'<span class="muted">{title}{unit}</span> '
        f'<span class="audience-tag muted" title="{escape(gettext("Who can see this"))}">{_audience(card)}</span> '
        f'<a class="when muted" href="{escape(card.url)}"><time datetime="{_iso(post.created_at)}"'
        f' title="{escape(full_time(post.created_at))}">{escape(ago(post.created_at))}</time></a>'
        "</header>"
    )
    if card.in_reply_to and card.in_reply_to.pk != author.pk:
        note = gettext("Replying to %(name)s") % {"name": escape(card.in_reply_to.name)}
        parts.append(f'<p class="muted reply-note">{note}</p>')
    content = f'<div class="content">{post_html(card)}</div>'
    if post.spoiler_text:
        label = escape(gettext("Content warning"))
        parts.append(
            f'<details class="cw"><summary><span class="cw-label">{label}:</span> {escape(post.spoiler_text)}'
            f"</summary>{content}</details>"
        )
    else:
        parts.append(content)
    if card.media:
        if card.blurred_by:
            show = gettext("Show images")
            parts.append(f'<details class="filter-blur">{_filter_summary(card.blurred_by, show)}')
        parts.append(f'<div class="media n{len(card.media)}">')
        for m in card.media:
            src = m.preview.url if m.preview else m.file.url
            parts.append(
                f'<a href="{escape(m.file.url)}" target="_blank" rel="noopener"><img src="{escape(src)}"'
                f' alt="{escape(m.description)}" width="{escape(m.preview_width or 400)}"'
                f' height="{escape(m.preview_height or 300)}" loading="lazy"></a>'
            )
        parts.append("</div>")
        if card.blurred_by:
            parts.append("</details>")
    if card.poll:
        parts.append(render_poll(card, csrf=csrf))
    parts.append(render_actions(card, user_id=user_id, csrf=csrf))
    parts.append("</div></div>")
    if card.warned_by:
        parts.append("</details>")
    parts.append("</article>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _filter_summary(titles: tuple[str, ...], reveal: str) -> str:
    """ "Filtered: <titles>" and what opening it does, as a <summary>."""
    label = escape(gettext("Filtered: %(titles)s") % {"titles": ", ".join(titles)})
    return (
        f'<summary><span class="filter-label">{label}</span>'
        f' <span class="filter-reveal muted">{escape(reveal)}</span></summary>'
    )


def _audience(card: Card) -> str:
    if card.audience == "company":
        label = escape(gettext("Company"))
    elif card.audience == "unit":
        label = escape(card.audience_unit.name) if card.audience_unit else ""
    elif card.audience == "followers":
        label = escape(gettext("Followers"))
    else:
        label = escape(gettext("Mentioned only"))
    if card.post.min_rank:
        label += " · " + escape(gettext("rank %(r)s+") % {"r": card.post.min_rank})
    return label


def _iso(value: Any) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def render_actions(card: Card, *, user_id: int | None, csrf: str) -> SafeString:
    stats = card.stats
    actions = escape(card.actions)
    replies = ngettext("Reply (%(n)s reply)", "Reply (%(n)s replies)", stats.replies_count) % {
        "n": stats.replies_count
    }
    reposts = ngettext("Repost (%(n)s repost)", "Repost (%(n)s reposts)", stats.reblogs_count) % {
        "n": stats.reblogs_count
    }
    likes = ngettext("Like (%(n)s like)", "Like (%(n)s likes)", stats.favourites_count) % {
        "n": stats.favourites_count
    }
    undo = '<input type="hidden" name="undo" value="1">'
    # Looked up outside the f-strings: xgettext does not see every call inside one (makemessages).
    bookmark = escape(gettext("Bookmark"))
    not_company = (
        ""
        if card.is_company
        else f' disabled title="{escape(gettext("Only company-wide posts can be reposted."))}"'
    )
    parts = [
        f'<div class="actions" id="actions-{card.pid}" data-post="{card.pid}" hx-target="this" hx-swap="outerHTML">',
        f'<a class="act reply" href="{escape(card.url)}#reply" aria-label="{escape(replies)}">'
        f'<span aria-hidden="true">↩</span> <span class="n" data-count="replies">{num(stats.replies_count)}</span></a>',
        f'<form method="post" action="{actions}/reblog" hx-post="{actions}/reblog">{csrf}',
        undo if stats.reblogged else "",
        f'<button class="act reblog{" on" if stats.reblogged else ""}" aria-pressed="{_bool(stats.reblogged)}"'
        f'{not_company} aria-label="{escape(reposts)}"><span aria-hidden="true">⟳</span>'
        f' <span class="n" data-count="reblogs">{num(stats.reblogs_count)}</span></button></form>',
        f'<form method="post" action="{actions}/favourite" hx-post="{actions}/favourite">{csrf}',
        undo if stats.favourited else "",
        f'<button class="act like{" on" if stats.favourited else ""}" aria-pressed="{_bool(stats.favourited)}"'
        f' aria-label="{escape(likes)}"><span aria-hidden="true">♥</span>'
        f' <span class="n" data-count="favourites">{num(stats.favourites_count)}</span></button></form>',
        f'<form method="post" action="{actions}/bookmark" hx-post="{actions}/bookmark">{csrf}',
        undo if stats.bookmarked else "",
        f'<button class="act bookmark{" on" if stats.bookmarked else ""}" aria-pressed="{_bool(stats.bookmarked)}"'
        f' aria-label="{bookmark}"><span aria-hidden="true">⚑</span></button></form>',
    ]
    post = card.post
    if stats.muted or stats.replies_count or post.in_reply_to_account_id is not None:
        # Only where there is a conversation to quieten: a reply, or a post with replies.
        label = escape(gettext("Unmute conversation") if stats.muted else gettext("Mute conversation"))
        parts += [
            f'<form method="post" action="{actions}/mute" hx-post="{actions}/mute">{csrf}',
            undo if stats.muted else "",
            f'<button class="act mute{" on" if stats.muted else ""}" aria-pressed="{_bool(stats.muted)}"'
            f' aria-label="{label}" title="{label}"><span aria-hidden="true">⊘</span></button></form>',
        ]
    own = user_id is not None and card.entry.author_id == user_id and card.entry.reblog_of_id is None
    if own and post.audience != "direct":  # posts.models.Audience.DIRECT: a message is never pinned
        pinned = stats.pinned
        label = escape(gettext("Unpin from profile") if pinned else gettext("Pin to profile"))
        parts += [
            f'<form method="post" action="{actions}/pin" hx-post="{actions}/pin">{csrf}',
            undo if pinned else "",
            f'<button class="act pin{" on" if pinned else ""}" aria-pressed="{_bool(pinned)}"'
            f' aria-label="{label}" title="{label}"><span aria-hidden="true">⤒</span></button></form>',
        ]
    if user_id is not None and post.author_id != user_id:
        # "Filter this post" (keyword filters): a page to choose the filter, so a plain link.
        label = escape(gettext("Filter this post"))
        parts.append(
            f'<a class="act filter" href="{actions}/filter" aria-label="{label}" title="{label}">'
            '<span aria-hidden="true">▽</span></a>'
        )
    if user_id is not None and card.post.author_id == user_id:
        confirm = escape(gettext("Delete this post?"))
        parts.append(
            f'<form method="post" action="{actions}/delete" class="delete-form">{csrf}'
            f'<button class="act delete" data-confirm="{confirm}"'
            f' aria-label="{escape(gettext("Delete"))}"><span aria-hidden="true">✕</span></button></form>'
        )
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def render_poll(card: Card, *, csrf: str) -> str:
    view = card.poll
    assert view is not None
    poll = view.poll
    actions = escape(card.actions)
    parts = [
        f'<form class="poll" method="post" action="{actions}/vote" hx-post="{actions}/vote"'
        f' hx-target="#post-{card.id}" hx-swap="outerHTML">{csrf}',
        f'<fieldset><legend class="sr-only">{escape(gettext("Poll"))}</legend>',
    ]
    kind = "checkbox" if poll.multiple else "radio"
    for option in view.options:
        title = escape(option.title)
        if view.show_results:
            mine = " ✓" if option.position in view.own_votes else ""
            share = round(option.votes_count / poll.votes_count * 100) if poll.votes_count else 0
            parts.append(
                f'<div class="poll-result"><span>{title}{mine}</span> <span class="muted">{share}%</span></div>'
            )
        else:
            parts.append(
                f'<label><input type="{kind}" name="choice" value="{escape(option.position)}"> {title}</label>'
            )
    voted = ngettext("%(n)s person voted", "%(n)s people voted", poll.voters_count) % {"n": poll.voters_count}
    closed = " · " + escape(gettext("Closed")) if view.expired else ""
    parts.append(f'</fieldset><p class="muted">{escape(voted)}{closed}</p>')
    if not view.show_results:
        vote = escape(gettext("Vote"))
        parts.append(f'<button type="submit" class="secondary">{vote}</button>')
    parts.append("</form>")
    return "".join(parts)
