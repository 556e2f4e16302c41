"""Writes to the post search index. Called after commit by posts.services (create, edit, delete) and in
bulk by ``manage.py search_reindex``. Safe to run twice: indexing a post makes its row equal to its
current text, whatever was there before."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django_tenants.utils import get_public_schema_name, schema_context

from common import snowflake
from common.tenancy import current_schema
from directory.models import Employee
from directory.romanize import contains_hangul, romanize_name
from policy import dangerously_all_posts
from search.models import PersonDocument, PostDocument, TokenFrequency
from search.tokens import document_tokens

log = logging.getLogger(__name__)


def _adjust_frequencies(cursor: object, counts: dict[int, int]) -> None:
    """Add ``counts`` to the per-token document counts. Rows are touched in token order, so two posts
    indexed at once never deadlock on the common tokens they share."""
    items = sorted((t, d) for t, d in counts.items() if d)
    if not items:
        return
    tokens, deltas = [t for t, _ in items], [d for _, d in items]
    cursor.execute(  # type: ignore[attr-defined]
        """
        INSERT INTO search_tokenfrequency (token, documents)
        SELECT t, d FROM unnest(%s::int[], %s::int[]) AS u(t, d) ORDER BY t
        ON CONFLICT (token) DO UPDATE SET documents = search_tokenfrequency.documents + EXCLUDED.documents
        """,
        [tokens, deltas],
    )


def post_index(post_id: int) -> None:
    """Make the index agree with post ``post_id``: its tokens if it exists and is an original post,
    nothing if it was deleted (or is a repost, which search never returns). Never raises to the writer:
    a post whose indexing failed is picked up by ``search_reindex --missing``."""
    try:
        _post_index(int(post_id))
    except Exception:  # the post itself is committed; losing its index entry must not fail the request
        log.exception("search: indexing post %s failed", post_id)


@transaction.atomic
def _post_index(post_id: int) -> None:
    row = (
        dangerously_all_posts().filter(pk=post_id).values_list("text", "spoiler_text", "reblog_of_id").first()
    )
    new = document_tokens(row[0], row[1]) if row is not None and row[2] is None else None
    with connection.cursor() as cursor:
        cursor.execute("SELECT tokens FROM search_postdocument WHERE post_id = %s FOR UPDATE", [post_id])
        found = cursor.fetchone()
        if found is None and new is not None:
            cursor.execute(
                "INSERT INTO search_postdocument (post_id, tokens) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                [post_id, new],
            )
            if cursor.fetchone() is None:  # indexed at this very moment by another call: update theirs
                cursor.execute(
                    "SELECT tokens FROM search_postdocument WHERE post_id = %s FOR UPDATE", [post_id]
                )
                found = cursor.fetchone()
            else:
                _adjust_frequencies(cursor, {TokenFrequency.TOTAL: 1, **dict.fromkeys(new, 1)})
                return
        if found is None:
            return
        old = set(found[0])
        if new is None:
            cursor.execute("DELETE FROM search_postdocument WHERE post_id = %s", [post_id])
            _adjust_frequencies(cursor, {TokenFrequency.TOTAL: -1, **dict.fromkeys(old, -1)})
            return
        if old == set(new):
            return
        cursor.execute("UPDATE search_postdocument SET tokens = %s WHERE post_id = %s", [new, post_id])
        changes = dict.fromkeys(set(new) - old, 1)
        changes.update(dict.fromkeys(old - set(new), -1))
        _adjust_frequencies(cursor, changes)


def _missing_ids(batch: int, since_id: int) -> Iterator[list[int]]:
    """Ids of original posts without a document, newest first, in batches."""
    has_doc = Exists(PostDocument.objects.filter(post_id=OuterRef("pk")))
    ids = (
        dangerously_all_posts()
        .filter(reblog_of__isnull=True, pk__gte=since_id)
        .exclude(has_doc)
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    chunk: list[int] = []
    for pk in ids.iterator(chunk_size=batch):
        chunk.append(pk)
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_missing(*, since: datetime | None = None, batch: int = 2000) -> int:
    """Index every original post (since ``since``, or ever) that has no document yet — lost
    after-commit calls — and drop documents whose post is gone. Returns how many rows it fixed."""
    since_id = snowflake.lower_bound(since) if since is not None else 0
    done = 0
    for chunk in _missing_ids(batch, since_id):
        for pk in chunk:
            _post_index(pk)
        done += len(chunk)
    with connection.cursor() as cursor:
        # Rows whose post is gone (deleted while its after-commit call was lost).
        cursor.execute(
            "SELECT d.post_id FROM search_postdocument d WHERE d.post_id >= %s AND NOT EXISTS "
            "(SELECT 1 FROM posts_post p WHERE p.id = d.post_id)",
            [since_id],
        )
        orphans = [r[0] for r in cursor.fetchall()]
    for pk in orphans:
        _post_index(pk)
    return done + len(orphans)


def _documents(rows: Iterable[Sequence[object]]) -> Iterator[tuple[int, list[int]]]:
    for pk, text, spoiler in rows:
        yield int(pk), document_tokens(str(text), str(spoiler))  # type: ignore[call-overload]


def reindex_all(*, batch: int = 5000) -> int:
    """Rebuild this schema's whole index from the posts, in one transaction: readers see the old index
    until it commits. Bulk-loads first and builds the GIN index after, which is several times faster
    than inserting into a live GIN index. Returns the number of posts indexed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE search_postdocument, search_tokenfrequency IN EXCLUSIVE MODE")
        cursor.execute("DROP INDEX IF EXISTS search_document_tokens")
        cursor.execute("TRUNCATE search_postdocument, search_tokenfrequency")
        n = 0
        with connection.connection.cursor(name="search_reindex") as source:  # server-side: 1M rows stream
            source.itersize = batch
            source.execute(
                "SELECT id, text, spoiler_text FROM posts_post WHERE reblog_of_id IS NULL ORDER BY id"
            )
            # One COPY per batch: a connection cannot fetch from the source cursor in the middle of a COPY.
            while rows := source.fetchmany(batch):
                with cursor.copy("COPY search_postdocument (post_id, tokens) FROM STDIN") as copy:
                    for doc in _documents(rows):
                        copy.write_row(doc)
                        n += 1
        # GIN builds sort in memory; the default 64 MB makes a million-post build spill many times.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("CREATE INDEX search_document_tokens ON search_postdocument USING gin (tokens)")
        cursor.execute(
            "INSERT INTO search_tokenfrequency (token, documents) "
            "SELECT t, count(*) FROM search_postdocument, unnest(tokens) AS t GROUP BY t"
        )
        cursor.execute(
            "INSERT INTO search_tokenfrequency (token, documents) VALUES (%s, %s)", [TokenFrequency.TOTAL, n]
        )
        cursor.execute("ANALYZE search_postdocument")
        cursor.execute("ANALYZE search_tokenfrequency")
    return n


# ---- people -------------------------------------------------------------------------------------------


def _latin_forms(family_name: str, given_name: str, name_latin: str) -> str:
    forms = [name_latin]
    if contains_hangul(family_name + given_name):
        forms.append(romanize_name(family_name=family_name, given_name=given_name))
    seen: dict[str, None] = {}
    for form in forms:
        if form.strip():
            seen.setdefault(" ".join(form.lower().split()), None)
    return " / ".join(seen)[:400]


def person_changed(employee_id: int) -> None:
    """Called by directory.services inside its write: refresh the person's entry once the write commits,
    in the schema it was written in (onboarding commits after switching back to the public schema,
    where directory's table also exists for operators but search's does not)."""
    schema = current_schema()
    if schema == get_public_schema_name():
        return
    transaction.on_commit(partial(_person_index_in, schema, employee_id))


def _person_index_in(schema: str, employee_id: int) -> None:
    try:
        with schema_context(schema):
            person_index(employee_id)
    except Exception:  # the directory write is committed; search_reindex repairs a missed entry
        log.exception("search: indexing employee %s failed", employee_id)


def person_index(employee_id: int) -> None:
    """Refresh one employee's Latin name forms (after their creation or a change of name)."""
    row = (
        Employee.objects.filter(pk=employee_id).values_list("family_name", "given_name", "name_latin").first()
    )
    if row is None:
        PersonDocument.objects.filter(employee_id=employee_id).delete()
        return
    PersonDocument.objects.update_or_create(employee_id=employee_id, defaults={"latin": _latin_forms(*row)})


def people_reindex() -> int:
    """Rebuild every employee's Latin name forms (a few thousand rows per tenant)."""
    rows = Employee.objects.values_list("pk", "family_name", "given_name", "name_latin")
    docs = [PersonDocument(employee_id=pk, latin=_latin_forms(f, g, n)) for pk, f, g, n in rows]
    with transaction.atomic():
        PersonDocument.objects.all().delete()
        PersonDocument.objects.bulk_create(docs, batch_size=2000)
    return len(docs)
