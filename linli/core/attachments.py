"""Photo uploads: validate, re-encode, strip metadata. Shared by every workflow.

``clean_photo(upload)`` accepts JPEG, PNG, WebP and (when pillow-heif is
installed) HEIC/HEIF from phones, and returns a fresh JPEG:

* the upload is refused above ``LINLI_PHOTO_MAX_BYTES`` before it is decoded;
* images above ``LINLI_PHOTO_MAX_PIXELS`` are refused before their pixels are
  decoded (decompression bombs: a small file that would inflate to gigabytes);
* the picture is rotated per its EXIF orientation, then re-encoded from the
  pixels alone, so EXIF (GPS position, camera serial) and any trailing payload
  never reach storage;
* the long side is reduced to ``LINLI_PHOTO_MAX_SIDE`` pixels.

Bad input raises ``InvalidInput`` with a message for people naming the file.
``PhotoBase`` is the abstract model for a stored photo; a workflow subclasses
it with a foreign key to its subject (and usually to the timeline event).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput
from .models import AppendOnlyModel

try:  # HEIC from iPhones; optional so a server without the wheel still runs
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"} | ({"HEIF"} if HEIF_SUPPORTED else set())
_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1", b"ftypheim")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _setting("LINLI_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_pixels() -> int:
    return _setting("LINLI_PHOTO_MAX_PIXELS", 40_000_000)


def max_side() -> int:
    return _setting("LINLI_PHOTO_MAX_SIDE", 2560)


def max_count() -> int:
    return _setting("LINLI_PHOTO_MAX_COUNT", 9)


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int
    size: int
    original_name: str


def _name(upload) -> str:
    return str(getattr(upload, "name", "") or _("photo"))[:100]


def clean_photo(upload, *, field: str = "photos") -> CleanPhoto:
    """Validate and re-encode one uploaded photo (a Django UploadedFile or file-like)."""
    name = _name(upload)
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise InvalidInput(
            _("Photo %(name)s is too large (%(size).1f MB); the limit is %(limit)d MB.")
            % {"name": name, "size": size / 1048576, "limit": limit // 1048576},
            field=field,
        )
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise InvalidInput(
            _("Photo %(name)s is too large; the limit is %(limit)d MB.")
            % {"name": name, "limit": limit // 1048576},
            field=field,
        )
    if not raw:
        raise InvalidInput(_("Photo %(name)s is empty.") % {"name": name}, field=field)
    if not HEIF_SUPPORTED and raw[4:12] in _HEIF_BRANDS:  # pragma: no cover
        raise InvalidInput(
            _(
                "Photo %(name)s is in HEIC format, which this server cannot read. "
                "Please set the phone camera to 'Most compatible' (JPEG) or send a screenshot."
            )
            % {"name": name},
            field=field,
        )
    unreadable = InvalidInput(
        _(
            "File %(name)s is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC picture."
        )
        % {"name": name},
        field=field,
    )
    bomb = InvalidInput(
        _("Photo %(name)s has too many pixels (more than %(mp)d megapixels).")
        % {"name": name, "mp": max_pixels() // 1_000_000},
        field=field,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ALLOWED_FORMATS:
                raise unreadable
            width, height = image.size
            if width * height > max_pixels():
                raise bomb
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise bomb from None
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unreadable from None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((max_side(), max_side()))
    out = io.BytesIO()
    # No exif= / icc_profile= arguments: the new file carries pixels only.
    image.save(out, format="JPEG", quality=85, optimize=True)
    data = out.getvalue()
    return CleanPhoto(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.jpg"),
        width=image.width,
        height=image.height,
        size=len(data),
        original_name=name,
    )


def clean_photos(uploads, *, field: str = "photos") -> list[CleanPhoto]:
    """Validate every upload first (nothing is stored if any one is bad)."""
    uploads = [u for u in (uploads or []) if u]
    if len(uploads) > max_count():
        raise InvalidInput(
            _("At most %(count)d photos can be attached at once.") % {"count": max_count()},
            field=field,
        )
    return [clean_photo(u, field=field) for u in uploads]


def photo_response(image) -> FileResponse:
    """A stored photo (always re-encoded JPEG by ``clean_photos``) sent to one viewer, who
    was checked by the caller; private cache, no sniffing."""
    response = FileResponse(image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def photo_path(instance, filename: str) -> str:
    return f"photos/{timezone.now():%Y/%m}/{filename}"


class PhotoBase(AppendOnlyModel):
    """A stored, cleaned photo. Append-only like the timeline that refers to it."""

    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    image = models.ImageField(gettext_lazy("photo"), upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
