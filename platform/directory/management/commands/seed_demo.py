"""``python manage.py seed_demo``: the demo companies, created once, then left as they are."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory.demo import DEMO_COMPANIES, DEMO_PASSWORD, DemoLogin, demo_seed
from tenants.services import TenantError


class Command(BaseCommand):
    help = (
        "Create the demo companies (acme: Korean, globex: English) with people, follows and posts, "
        "and print their sign-ins. A company that is already seeded is left untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            action="append",
            choices=[c.slug for c in DEMO_COMPANIES],
            metavar="SLUG",
            help="seed only this company (repeatable)",
        )
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo account")

    def handle(self, *args: Any, **opts: Any) -> None:
        if len(opts["password"]) < 8:
            raise CommandError("The demo password must be at least 8 characters.")
        started = time.monotonic()
        logins: list[DemoLogin] = []
        for company in DEMO_COMPANIES:
            if opts["only"] and company.slug not in opts["only"]:
                continue
            try:
                result = demo_seed(company=company, password=opts["password"])
            except TenantError as exc:
                raise CommandError(f"{company.slug}: {exc}") from None
            if result.created:
                self.stdout.write(
                    f"{company.slug}: seeded {result.employees} employees, {result.follows} follows, "
                    f"{result.posts} posts in {result.seconds:.1f}s"
                )
            else:
                self.stdout.write(
                    f"{company.slug}: already seeded ({result.employees} employees), left as is"
                )
            logins.extend(result.logins)
        self.stdout.write(f"done in {time.monotonic() - started:.1f}s\n")
        self._print_logins(logins)

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        header = ("URL", "sign in as", "password", "who")
        rows = [header, *((x.url, x.login, x.password, x.who) for x in logins)]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("Demo sign-ins (every seeded employee has the same password):")
        for url, login, password, who in rows:
            cells = (url.ljust(widths[0]), login.ljust(widths[1]), password.ljust(widths[2]), who)
            self.stdout.write("  " + "  ".join(cells))
