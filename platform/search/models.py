"""The search indexes: one row of bigram tokens per post, how many posts hold each token, and the Latin
spellings of every employee's name.

The tokens live beside the posts rather than on them (posts' table belongs to posts); post writes keep
them current after commit (search.services.post_index), and ``manage.py search_reindex`` rebuilds them
per tenant. The per-token document counts let a search choose its plan by how common its words are
(search.selectors): a GIN lookup for rare words, a newest-first scan for common ones.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F


class PostDocument(models.Model):
    # The post's id is its snowflake, so ordering by it is ordering by time.
    # No database constraint and no cascade: deleting a post must not wait on this GIN-indexed table
    # inside the post's transaction. post_index removes the row after commit (and adjusts the token
    # counts, which a cascade would leave stale); a row left behind matches no post and is harmless
    # until search_reindex sweeps it.
    post = models.OneToOneField(
        "posts.Post",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    tokens = ArrayField(models.IntegerField(), default=list)

    class Meta:
        indexes = [GinIndex(fields=["tokens"], name="search_document_tokens")]

    def __str__(self) -> str:
        return f"document of {self.post_id} ({len(self.tokens)} tokens)"


class TokenFrequency(models.Model):
    """How many indexed posts hold ``token``. Row 0 (no real token is 0) counts the indexed posts."""

    TOTAL = 0

    token = models.IntegerField(primary_key=True)
    documents = models.IntegerField(default=0)

    class Meta:
        # A one-character search looks tokens up by their second character too.
        indexes = [models.Index(F("token").bitand(0xFFFF), name="search_token_second_char")]

    def __str__(self) -> str:
        return f"{self.token}: {self.documents}"


class PersonDocument(models.Model):
    """The Latin spellings of an employee's name, so "cheolsu" finds 김철수 even when the directory holds
    no ``name_latin`` (SCIM and SAML send Hangul names). Written after commit by directory.services."""

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="search_person"
    )
    # Lower-case, space-separated: "kim cheolsu" and the directory's own name_latin if it differs.
    latin = models.CharField(max_length=400, blank=True)

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.latin}"
