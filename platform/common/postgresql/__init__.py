"""Django's PostgreSQL backend, tuned where a home-timeline request spent CPU in the driver layer.

django-tenants' backend (``DATABASES[...]["ENGINE"]``) wraps this one through ``ORIGINAL_BACKEND``.
"""
