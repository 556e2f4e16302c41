"""Forms of the web app: the composer (with its audience picker), profile settings, notification
preferences, personal tokens."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Employee, OrgUnit, Rank
from frontend.services import PERSONAL_TOKEN_SCOPES, Draft
from posts.models import Audience, MediaAttachment, Post

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
}


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
        return not self.errors

    def refuse(self, message: str) -> None:
        self.refused = True
        self.errors.append(message)

    def fail(self, message: str) -> None:
        text = message.removeprefix("Validation failed: ")
        known = _VALIDATION_MESSAGES.get(text)
        if known is None and text.startswith("Text character limit"):
            known = _("The post is longer than %(limit)s characters.") % {"limit": self.max_chars}
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

    def __init__(self, *args: Any, employee: Employee, company_language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial = {"bio": employee.bio, "locale": employee.locale}
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
