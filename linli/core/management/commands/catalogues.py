"""Compile or check the translation catalogues without GNU gettext.

``linli catalogues compile`` writes every ``.mo`` next to its ``.po`` (pure Python, so a
fresh machine needs no gettext). ``linli catalogues check`` fails when a zh-hans
catalogue has an empty or fuzzy entry, naming each one.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues(language: str | None = None) -> list[Path]:
    root = Path(settings.BASE_DIR) / "linli"
    pattern = (
        f"**/locale/{language}/LC_MESSAGES/django.po"
        if language
        else "**/locale/*/LC_MESSAGES/django.po"
    )
    return sorted(p for p in root.glob(pattern) if ".venv" not in p.parts)


class Command(BaseCommand):
    help = "Compile (.po → .mo) or check the completeness of the zh-hans catalogues."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["compile", "check"])

    def handle(self, *args, action, **options):
        if action == "compile":
            for po_path in catalogues():
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {len(catalogues())} catalogues")
            return
        missing = []
        for po_path in catalogues("zh_Hans"):
            po = polib.pofile(str(po_path))
            missing += [
                f"{po_path.relative_to(settings.BASE_DIR)}: {e.msgid!r}"
                for e in po
                if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
            ]
        if not catalogues("zh_Hans"):
            raise CommandError("no zh_Hans catalogue found")
        if missing:
            raise CommandError("untranslated or fuzzy entries:\n" + "\n".join(missing))
        self.stdout.write(f"zh_Hans complete in {len(catalogues('zh_Hans'))} catalogues")
