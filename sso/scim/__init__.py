"""SCIM 2.0 provisioning (RFC 7643/7644) at ``/scim/v2/``, per tenant, with bearer tokens an admin mints.

How SCIM maps onto the directory (choices an IdP admin may ask about):
- A User is an employee. ``userName`` is kept as the IdP sent it (usually an email); the Mastodon
  handle is derived from it once. Employees made before SCIM are listed with their email as
  ``userName``, so an IdP's ``userName eq`` lookup links them instead of creating duplicates.
- ``name.familyName``/``givenName``, ``title``, ``emails`` (the primary, else the work one, becomes the
  sign-in email), ``employeeNumber`` go to directory columns; the display name is then rendered by
  the tenant's template ("김철수 과장"). What the IdP wrote that has no column (its ``displayName``,
  ``name.formatted``, the email list, ``photos``) is stored and echoed back, so IdPs that compare
  what they read with what they wrote do not re-sync forever. Photos are not fetched (no outgoing
  requests to IdP-supplied URLs).
- ``title`` equal to a rank's name (case-insensitive) also sets the rank; any other title is kept
  as a title only.
- ``department`` names an org unit: the person's current one if it has that name, else the single
  unit of that name; an unknown name creates a unit under the company (HR systems add departments
  without telling us); a name shared by several units is a 400 ``invalidValue`` (use Groups).
  A PUT without ``department`` leaves the unit alone (Okta's PUT usually omits it, and units are
  also managed through Groups); an explicit PATCH ``remove`` moves the person to the company level.
- ``manager`` is another User's id (Entra ID sends the bare id; both forms work).
- ``active: false`` offboards at once (directory.services.employee_deactivate): tokens revoked,
  sessions ended, streams closed, seat freed; posts stay under the person's name. DELETE does
  the same and then answers 404 for that user (RFC 7644 §3.6 allows keeping the data).
- A Group is an org unit below the company (the company itself is not a group). Members are the
  unit's employees; since an employee is in exactly one unit, adding someone moves them there,
  removing them moves them up to the parent unit. DELETE moves members up and deletes the unit,
  or hides it from SCIM when posts or sub-units still refer to it.
- Attributes this service does not keep (phoneNumbers, addresses …) are ignored on writes rather
  than failing the whole user; read-only ones (id, meta, groups) too.
- Tokens live in the tenant schema and only their SHA-256 is stored: another tenant's token, a
  revoked one or none at all is a 401 with a SCIM error body.
"""
