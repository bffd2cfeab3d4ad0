"""Background work for safety inspections."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django_tasks import task


@task()
def archive_notice(notice_id: int) -> bool:
    """Keep the notice as a PDF, as it was printed when issued (``core.pdf``; nothing when
    WeasyPrint is not installed). Answers whether a PDF was stored."""
    from django.template.loader import render_to_string

    from linli.core.pdf import html_to_pdf

    from .models import Notice
    from .selectors import notice_document

    notice = Notice.objects.filter(pk=notice_id, archive="").first()
    if notice is None:
        return False
    pdf = html_to_pdf(render_to_string("safety/notice_print.html", notice_document(notice)))
    if pdf is None:
        return False
    notice.archive.save(f"{notice.year}-{notice.serial:04d}.pdf", ContentFile(pdf), save=False)
    Notice.objects.filter(pk=notice.pk, archive="").update(archive=notice.archive.name)
    return True
