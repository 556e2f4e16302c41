"""Forms of the web app: the composer (with its audience picker and schedule), a scheduled post's new
time, profile settings, notification preferences, personal tokens, keyword filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.zones import DEFAULT_TIME_ZONE, zone_choices
from directory.models import Employee, OrgUnit, Rank
from filters.models import Action, Context, Filter
from filters.services import MAX_KEYWORD, MAX_KEYWORDS, MAX_TITLE, UNSET, KeywordChange
from frontend.services import PERSONAL_TOKEN_SCOPES, Draft
from posts.models import Audience, MediaAttachment, Post, ScheduledPost

MAX_IMAGES = 4
POLL_CHOICES = 4
POLL_DURATIONS = [
    (300, gettext_lazy("5 minutes")),
    (3600, gettext_lazy("1 hour")),
    (86400, gettext_lazy("1 day")),
    (3 * 86400, gettext_lazy("3 days")),
    (7 * 86400, gettext_lazy("7 days")),
]


def refusal_message(refused: Exception) -> str:
    """The rule's message in the employee's language (the service's English text otherwise)."""
    rule = getattr(refused, "rule", "")
    if rule == "company_post_min_rank":
        from policy.rules import tenant_rules

        level = tenant_rules().company_post_min_rank
        name = dict(Rank.objects.values_list("level", "name")).get(level or 0, str(level))
        return _("Company-wide posts need the rank of %(rank)s or above. Post to your unit instead.") % {
            "rank": name
        }
    if rule == "contact_rule":
        return _(
            "Contact rule: you may not address this senior colleague directly from your rank "
            "(unless you are in their unit). Your text is kept below."
        )
    if rule == "information_barrier":
        return _("An information barrier between your departments does not allow this.")
    if rule == "reblog_audience":
        return _("Only company-wide posts can be reposted.")
    if rule == "inactive":
        return _("This account is deactivated.")
    if rule in {"self_follow", "blocked", "target_inactive"}:
        return _("You cannot follow this account.")
    if rule == "delete_not_author":
        return _("Only the author or an administrator may delete a post.")
    return str(refused)


def invalid_message(invalid: Exception) -> str:
    """A refused post action's message (``posts.errors.PostInvalid``) in the employee's language."""
    from posts.services import PIN_LIMIT

    text = str(invalid).removeprefix("Validation failed: ")
    if text.startswith("You have already pinned the maximum"):
        return _("You can pin at most %(count)s posts. Unpin one first.") % {"count": PIN_LIMIT}
    known = _VALIDATION_MESSAGES.get(text)
    return str(known) if known is not None else text


_VALIDATION_MESSAGES = {
    "Text can't be blank": gettext_lazy("Write something first."),
    "A post can have at most 4 images": gettext_lazy("A post can have at most 4 images."),
    "A post cannot have both images and a poll": gettext_lazy("A post cannot have both images and a poll."),
    "You may only address your own unit or a unit above it": gettext_lazy(
        "You may only address your own unit or a unit above it."
    ),
    "The post you are replying to was not found": gettext_lazy("The post you are replying to was not found."),
    "Scheduled at must be at least 5 minutes in the future": gettext_lazy(
        "Choose a time at least 5 minutes from now."
    ),
    "An image is already in a scheduled post": gettext_lazy(
        "One of these images is already in a scheduled post. Cancel that post first, or choose another image."
    ),
}


def failure_reason(error: str) -> str:
    """Why a scheduled post was not published when due (``ScheduledPost.error``: the refusal's English
    text as the service kept it, without its rule), in the employee's language when it is known."""
    text = error.removeprefix("Validation failed: ")
    known = _VALIDATION_MESSAGES.get(text)
    if known is None:
        known = next((m for prefix, m in _FAILURE_MESSAGES if text.startswith(prefix)), None)
    if known is not None:
        return str(known)
    return text or _("It could not be published.")


# What changes between scheduling a post and its time (each is checked when it is scheduled).
_FAILURE_MESSAGES = [
    ("This account is deactivated", gettext_lazy("This account is deactivated.")),
    (
        "Company-wide posts need rank",
        gettext_lazy("Company-wide posts now need a higher rank than yours. Post to your unit instead."),
    ),
    ("Contact rule:", gettext_lazy("A contact rule no longer allows you to address someone it mentions.")),
    (
        "An information barrier",
        gettext_lazy("An information barrier between your departments does not allow this."),
    ),
    ("Unit not found", gettext_lazy("The unit it was addressed to no longer exists.")),
    ("Minimum rank must be", gettext_lazy("The rank it was limited to no longer exists.")),
    ("Media not found", gettext_lazy("One of its images is no longer there.")),
    ("Media is already attached", gettext_lazy("One of its images is already in another post.")),
]


def local_time(raw: str) -> datetime | None:
    """A date-time field's value ("2026-12-01T09:30", as ``<input type=datetime-local>`` sends it) as
    the wall time of the current time zone: the one every time in the web app is shown in (the
    employee's, else the company's: ``frontend.middleware.preferred_time_zone``). None when it is not
    a time."""
    try:
        return forms.DateTimeField().clean(raw.strip())
    except ValidationError:
        return None


def local_input(value: datetime) -> str:
    """A time as a ``datetime-local`` field's value, in the current time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


class ComposeForm:
    """The composer's state: what was typed, the picker's choices, attached images and errors.

    Not a Django ``Form``: its parts (images with alt text, poll options, unit choices that depend on
    the author) come and go, and a refused post must come back exactly as it was written.
    """

    def __init__(self, author: Employee, draft: Draft, *, reply_to: Post | None = None) -> None:
        self.author = author
        self.draft = draft
        self.reply_to = reply_to
        self.uploads: list[tuple[UploadedFile, str]] = []
        self.errors: list[str] = []
        self.refused = False
        self.scheduled_at: datetime | None = None  # the parsed schedule, once valid

    # -- building ------------------------------------------------------------------------------------

    @staticmethod
    def default_audience(author: Employee) -> str:
        import policy

        choose = getattr(policy, "default_audience", None)
        return str(choose(author)) if callable(choose) else Audience.COMPANY

    @classmethod
    def for_author(
        cls, author: Employee, *, reply_to: Post | None = None, reply_to_id: str | None = None
    ) -> ComposeForm:
        draft = Draft(audience=cls.default_audience(author))
        if reply_to is not None:
            draft.in_reply_to_id = str(reply_to.pk)
            # A reply keeps its parent's audience by default, as Mastodon keeps visibility.
            draft.audience = str(reply_to.audience)
            draft.unit_id = str(reply_to.unit_id or "")
            mentions = [reply_to.author.username] if reply_to.author_id != author.pk else []
            draft.text = "".join(f"@{m} " for m in mentions)
        elif reply_to_id:
            draft.in_reply_to_id = reply_to_id
        return cls(author, draft, reply_to=reply_to)

    @classmethod
    def from_scheduled(cls, author: Employee, scheduled: ScheduledPost, *, reply: bool) -> ComposeForm:
        """ "Edit as new post": a failed scheduled post's text, audience, images and poll, to post now or
        schedule again; posting it dismisses the failed one. ``reply``: its reply target is still there
        to reply to (else it becomes a post of its own)."""
        p = scheduled.params
        poll = p.get("poll") or {}
        audience = str(p.get("audience") or "") or cls.default_audience(author)
        draft = Draft(
            text=str(p.get("text") or ""),
            spoiler_text=str(p.get("spoiler_text") or ""),
            audience=audience,
            unit_id=str(p.get("unit_id") or "") if audience == Audience.UNIT else "",
            min_rank=str(p["min_rank"]) if p.get("min_rank") is not None else "",
            in_reply_to_id=str(p["in_reply_to_id"]) if reply and p.get("in_reply_to_id") else "",
            media_ids=[int(pk) for pk in p.get("media_ids") or ()],
            poll_options=[str(o) for o in poll.get("options") or ()][:POLL_CHOICES],
            poll_expires_in=int(poll.get("expires_in") or 86400),
            poll_multiple=bool(poll.get("multiple")),
            replaces=str(scheduled.pk),
        )
        return cls(author, draft)

    @classmethod
    def from_post(
        cls, author: Employee, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile] | None
    ) -> ComposeForm:
        get = data.get
        getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
        media_ids: list[int] = []
        for raw in getlist("media_id"):
            try:
                media_ids.append(int(raw))
            except (TypeError, ValueError):
                continue
        alt_texts = {}
        for media_id in media_ids:
            alt_texts[media_id] = str(get(f"alt_{media_id}", "") or "")
        try:
            expires = int(get("poll_expires_in") or 86400)
        except (TypeError, ValueError):
            expires = 86400
        audience = str(get("audience") or "")
        draft = Draft(
            text=str(get("text", "") or ""),
            spoiler_text=str(get("spoiler_text", "") or "") if get("cw") or get("spoiler_text") else "",
            audience=audience if audience in Audience.values else None,
            unit_id=str(get("unit_id") or "") if audience == Audience.UNIT else "",
            min_rank=str(get("min_rank") or ""),
            in_reply_to_id=str(get("in_reply_to_id") or ""),
            media_ids=media_ids,
            alt_texts=alt_texts,
            poll_options=[str(o) for o in getlist("poll_option")][:POLL_CHOICES] if get("with_poll") else [],
            poll_expires_in=expires,
            poll_multiple=bool(get("poll_multiple")),
            scheduled_at=str(get("scheduled_at") or "").strip(),
            replaces=str(get("replaces") or "") if str(get("replaces") or "").isdigit() else "",
        )
        form = cls(author, draft)
        if files is not None:
            images = files.getlist("images")
            alts = getlist("image_alt")
            form.uploads = [(f, str(alts[i]) if i < len(alts) else "") for i, f in enumerate(images) if f]
        return form

    # -- validation ----------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        if len(self.draft.media_ids) + len(self.uploads) > MAX_IMAGES:
            self.errors.append(_("A post can have at most 4 images."))
        if self.scheduling:
            self.scheduled_at = local_time(self.draft.scheduled_at)
            if self.scheduled_at is None:
                self.errors.append(_("Enter the date and time to publish the post at."))
        return not self.errors

    @property
    def scheduling(self) -> bool:
        """A time was given: the post is scheduled rather than published now."""
        return bool(self.draft.scheduled_at)

    def refuse(self, message: str) -> None:
        self.refused = True
        self.errors.append(message)

    def fail(self, message: str) -> None:
        text = message.removeprefix("Validation failed: ")
        known: object = _VALIDATION_MESSAGES.get(text)
        if known is None and text.startswith("Text character limit"):
            known = _("The post is longer than %(limit)s characters.") % {"limit": self.max_chars}
        if known is None and text.startswith("You can have at most") and text.endswith("scheduled posts"):
            from posts.services import MAX_SCHEDULED

            known = _("You can have at most %(count)s scheduled posts. Cancel one first.") % {
                "count": MAX_SCHEDULED
            }
        self.errors.append(str(known) if known is not None else text)

    # -- for the template ----------------------------------------------------------------------------

    @cached_property
    def max_chars(self) -> int:
        from directory.services import post_max_chars

        return post_max_chars()  # the limit post_create checks, as this process knows it

    @property
    def audience(self) -> str:
        return self.draft.audience or self.default_audience(self.author)

    @property
    def audience_choices(self) -> list[tuple[str, str]]:
        return [
            (Audience.COMPANY, _("Everyone in the company")),
            (Audience.UNIT, _("My unit or a unit above it")),
            (Audience.FOLLOWERS, _("My followers")),
            (Audience.DIRECT, _("Mentioned people only")),
        ]

    @cached_property
    def units(self) -> list[OrgUnit]:
        from frontend.selectors import units_above

        return units_above(self.author.unit)

    @cached_property
    def ranks(self) -> list[Rank]:
        return list(Rank.objects.order_by("level"))

    @cached_property
    def attached(self) -> list[MediaAttachment]:
        if not self.draft.media_ids:
            return []
        found = {
            m.pk: m
            for m in MediaAttachment.objects.filter(
                pk__in=self.draft.media_ids, owner=self.author, post__isnull=True
            )
        }
        return [found[i] for i in self.draft.media_ids if i in found]

    @property
    def poll_slots(self) -> list[str]:
        options = list(self.draft.poll_options)
        return options + [""] * (POLL_CHOICES - len(options))

    @property
    def poll_durations(self) -> list[tuple[int, str]]:
        return [(seconds, str(label)) for seconds, label in POLL_DURATIONS]

    @property
    def image_slots(self) -> range:
        return range(MAX_IMAGES)

    @property
    def time_zone(self) -> str:
        return timezone.get_current_timezone_name()


class RescheduleForm(forms.Form):
    """A scheduled post's new time, in the current time zone (see ``local_time``)."""

    scheduled_at = forms.CharField(
        label=gettext_lazy("New time"),
        error_messages={"required": gettext_lazy("Enter the date and time to publish the post at.")},
    )

    def clean_scheduled_at(self) -> datetime:
        when = local_time(self.cleaned_data["scheduled_at"])
        if when is None:
            raise ValidationError(_("Enter the date and time to publish the post at."))
        return when


LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


class ProfileForm(forms.Form):
    bio = forms.CharField(
        label=gettext_lazy("About me"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.ImageField(label=gettext_lazy("Photo"), required=False)
    # Offered only to someone with a photo (see __init__); a new photo chosen at the same time wins.
    remove_photo = forms.BooleanField(
        label=gettext_lazy("Remove my photo (show my initials)"), required=False
    )
    locale = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Company default")), *LANGUAGE_NAMES.items()],
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(
        self,
        *args: Any,
        employee: Employee,
        company_language: str = "",
        company_time_zone: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial = {"bio": employee.bio, "locale": employee.locale, "time_zone": employee.time_zone}
        zones = self.fields["time_zone"]
        assert isinstance(zones, forms.ChoiceField)
        zones.choices = [
            ("", _("Company default (%(zone)s)") % {"zone": company_time_zone or DEFAULT_TIME_ZONE}),
            *zone_choices(timezone.now()),
        ]
        if company_language in LANGUAGE_NAMES:
            # Say which language "company default" is, so choosing it is not a guess.
            field = self.fields["locale"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", _("Company default (%(language)s)") % {"language": LANGUAGE_NAMES[company_language]}),
                *list(field.choices)[1:],
            ]
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        if not employee.photo:
            del self.fields["remove_photo"]


NOTIFICATION_SOURCES = [
    ("everyone", gettext_lazy("From everyone")),
    ("following", gettext_lazy("Only from people I follow")),
    ("nobody", gettext_lazy("Off")),
]


class NotificationPreferencesForm(forms.Form):
    """One switch per kind; likes, reposts and follows can be limited to people one follows."""

    mention = forms.BooleanField(label=gettext_lazy("Someone mentions me"), required=False)
    reply = forms.BooleanField(label=gettext_lazy("Someone replies to my post"), required=False)
    favourite = forms.ChoiceField(label=gettext_lazy("Someone likes my post"), choices=NOTIFICATION_SOURCES)
    reblog = forms.ChoiceField(label=gettext_lazy("Someone reposts my post"), choices=NOTIFICATION_SOURCES)
    follow = forms.ChoiceField(label=gettext_lazy("Someone follows me"), choices=NOTIFICATION_SOURCES)
    poll = forms.BooleanField(label=gettext_lazy("A poll I voted in or created has ended"), required=False)
    update = forms.BooleanField(label=gettext_lazy("A post I reposted was edited"), required=False)

    def __init__(self, *args: Any, preferences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial = {name: getattr(preferences, name) for name in self.fields}


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=40)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Access"),
        choices=[(s, s) for s in PERSONAL_TOKEN_SCOPES],
        initial=["read"],
        widget=forms.CheckboxSelectMultiple,
    )


# --- keyword filters ------------------------------------------------------------------------------

FILTER_CONTEXTS = [
    (Context.HOME, gettext_lazy("Home and lists")),
    (Context.NOTIFICATIONS, gettext_lazy("Notifications")),
    (Context.PUBLIC, gettext_lazy("Company, unit and hashtag timelines")),
    (Context.THREAD, gettext_lazy("Conversations")),
    (Context.ACCOUNT, gettext_lazy("Profiles")),
]
FILTER_ACTIONS = [
    (Action.WARN, gettext_lazy("Collapse behind a warning")),
    (Action.BLUR, gettext_lazy("Hide images only")),
    (Action.HIDE, gettext_lazy("Leave the post out")),
]
FILTER_ACTION_HELP = {
    Action.WARN: gettext_lazy("The post shows as “Filtered: title”; one click opens it."),
    Action.BLUR: gettext_lazy("The text shows; images stay covered until you open them."),
    Action.HIDE: gettext_lazy("You will not see the post at all where the filter applies."),
}
KEEP_EXPIRY = "keep"
FILTER_EXPIRY = [
    ("", gettext_lazy("Never")),
    ("1800", gettext_lazy("30 minutes")),
    ("3600", gettext_lazy("1 hour")),
    ("21600", gettext_lazy("6 hours")),
    ("43200", gettext_lazy("12 hours")),
    ("86400", gettext_lazy("1 day")),
    ("604800", gettext_lazy("1 week")),
]
# The keyword rows a new filter's form starts with, and the blank ones an edited filter's gets.
NEW_FILTER_ROWS = 3
MORE_ROWS = 1
_ROW_FIELD = re.compile(r"^kw-(\d{1,4})-keyword$")


@dataclass
class KeywordRow:
    """One row of the keywords table, as shown or as typed: ``id`` for a keyword the filter has."""

    index: int
    keyword: str = ""
    whole_word: bool = True
    id: int | None = None
    remove: bool = False
    error: str = ""

    @property
    def prefix(self) -> str:
        return f"kw-{self.index}-"


class FilterForm(forms.Form):
    """A filter's title, where it applies, what it does and until when, and its keywords: a table of
    rows (keyword, whole word, remove) that script can grow; without script the blank rows suffice, and
    saving brings fresh ones. A refused save comes back exactly as typed, rows included."""

    title = forms.CharField(
        label=gettext_lazy("Name of the filter"),
        max_length=MAX_TITLE,
        error_messages={"required": gettext_lazy("Give the filter a name.")},
        help_text=gettext_lazy("Shown on the posts the filter collapses, e.g. “Spoilers”."),
    )
    contexts = forms.MultipleChoiceField(
        label=gettext_lazy("Filter in"),
        choices=FILTER_CONTEXTS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one place to filter in.")},
    )
    action = forms.ChoiceField(
        label=gettext_lazy("When a post matches"),
        choices=FILTER_ACTIONS,
        widget=forms.RadioSelect,
        initial=Action.WARN,
    )
    expires_in = forms.ChoiceField(label=gettext_lazy("Expires after"), choices=FILTER_EXPIRY, required=False)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        filter: Filter | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(data)
        self.filter = filter
        expiry = self.fields["expires_in"]
        assert isinstance(expiry, forms.ChoiceField)
        if filter is not None and filter.expires_at is not None:
            # An edit leaves the expiry alone unless another is chosen.
            if now is not None and filter.expires_at <= now:
                keep = _("Keep it expired")
            else:
                keep = _("Keep the current expiry")
            expiry.choices = [(KEEP_EXPIRY, keep), *FILTER_EXPIRY]
        if not self.is_bound and filter is not None:
            self.initial = {
                "title": filter.title,
                "contexts": list(filter.contexts),
                "action": filter.action,
                "expires_in": KEEP_EXPIRY if filter.expires_at is not None else "",
            }
        elif not self.is_bound:
            self.initial = {"contexts": [Context.HOME, Context.PUBLIC, Context.THREAD], "action": Action.WARN}
        self.rows = self._rows_from(data) if data is not None else self._rows_of(filter)

    @staticmethod
    def _rows_of(filter: Filter | None) -> list[KeywordRow]:
        rows = [
            KeywordRow(index=i, keyword=k.keyword, whole_word=k.whole_word, id=k.pk)
            for i, k in enumerate(filter.keywords.all() if filter is not None else ())
        ]
        blanks = MORE_ROWS if rows else NEW_FILTER_ROWS
        return rows + [KeywordRow(index=len(rows) + i) for i in range(blanks)]

    @staticmethod
    def _rows_from(data: Mapping[str, Any]) -> list[KeywordRow]:
        indices = sorted({int(m.group(1)) for key in data if (m := _ROW_FIELD.match(key))})
        rows = []
        for i in indices:
            raw_id = str(data.get(f"kw-{i}-id") or "")
            rows.append(
                KeywordRow(
                    index=i,
                    keyword=str(data.get(f"kw-{i}-keyword") or ""),
                    whole_word=bool(data.get(f"kw-{i}-whole_word")),
                    id=int(raw_id) if raw_id.isdigit() else None,
                    remove=bool(data.get(f"kw-{i}-remove")),
                )
            )
        return rows

    @property
    def next_index(self) -> int:
        """Where rows added by script start counting."""
        return max((r.index for r in self.rows), default=-1) + 1

    @property
    def action_help(self) -> dict[str, str]:
        return {k: str(v) for k, v in FILTER_ACTION_HELP.items()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kept = 0
        for row in self.rows:
            row.keyword = row.keyword.strip()
            if row.remove or not row.keyword:
                continue
            kept += 1
            if len(row.keyword) > MAX_KEYWORD:
                row.error = _("A keyword has at most %(count)s characters.") % {"count": MAX_KEYWORD}
        if any(r.error for r in self.rows):
            raise forms.ValidationError(_("Correct the keywords marked below."))
        if kept > MAX_KEYWORDS:
            raise forms.ValidationError(
                _("A filter holds at most %(count)s keywords.") % {"count": MAX_KEYWORDS}
            )
        return cleaned

    @property
    def changes(self) -> dict[str, Any]:
        """What ``filter_create`` and ``filter_update`` both take from the form."""
        return {
            "title": self.cleaned_data["title"],
            "contexts": self.cleaned_data["contexts"],
            "action": self.cleaned_data["action"],
            "expires_in": self.expiry,
            "keywords": self.keyword_changes,
        }

    @property
    def expiry(self) -> Any:
        """For the services: seconds, None for never, ``UNSET`` to leave an edited filter's alone."""
        value = self.cleaned_data.get("expires_in") or ""
        if value == KEEP_EXPIRY:
            return UNSET
        return int(value) if value else None

    @property
    def keyword_changes(self) -> list[KeywordChange]:
        """Mastodon's ``keywords_attributes``: a blank or ticked row of a kept keyword removes it."""
        changes = []
        for row in self.rows:
            if row.id is not None:
                if row.remove or not row.keyword:
                    changes.append(KeywordChange(id=row.id, destroy=True))
                else:
                    changes.append(KeywordChange(id=row.id, keyword=row.keyword, whole_word=row.whole_word))
            elif row.keyword and not row.remove:
                changes.append(KeywordChange(keyword=row.keyword, whole_word=row.whole_word))
        return changes

    def refused(self, invalid: Exception) -> None:
        """A refusal by ``filters.services`` as a form error, in the employee's language when known."""
        text = str(invalid).removeprefix("Validation failed: ")
        known = _FILTER_MESSAGES.get(text)
        if known is not None:
            text = str(known)
        elif text.startswith("You can have at most"):
            from filters.services import MAX_FILTERS

            text = _("You can have at most %(count)s filters. Delete one first.") % {"count": MAX_FILTERS}
        self.add_error(None, text)


_FILTER_MESSAGES = {
    "Title can't be blank": gettext_lazy("Give the filter a name."),
    "Context can't be blank": gettext_lazy("Choose at least one place to filter in."),
    "Keyword can't be blank": gettext_lazy("A keyword cannot be blank."),
}
