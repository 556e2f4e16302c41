"""django-tenants' PostgreSQL backend (over ``common.postgresql``), remembering each connection's
search_path so a request does not send ``SET search_path`` to a connection that already has it.

This is ``DATABASES[...]["ENGINE"]``; see ``base.py``.
"""
