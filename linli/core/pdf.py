"""HTML to PDF for documents kept as they were handed over (a rectification notice), with
WeasyPrint where it is installed (it needs Pango, which Debian's chromium already brings).
Without it, ``html_to_pdf`` answers None and the print page remains the document."""

from __future__ import annotations

import logging

from PIL import ImageFile

log = logging.getLogger(__name__)


def html_to_pdf(html: str) -> bytes | None:
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # not installed, or Pango missing
        log.warning("WeasyPrint is not available: no PDF is archived")
        return None
    # Importing WeasyPrint tells Pillow, for the whole process, to load truncated images;
    # the uploads' check (core.attachments) must keep refusing them. Our documents embed no
    # pictures, so the flag goes back at once.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html).write_pdf()
