"""Photo uploads: formats, limits, metadata stripping, hostile files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from linli.core import attachments
from linli.core.errors import InvalidInput


def upload(fmt="JPEG", size=(120, 80), name=None, mode="RGB", **save):
    buf = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else None).save(buf, format=fmt, **save)
    return SimpleUploadedFile(name or f"p.{fmt.lower()}", buf.getvalue())


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (31.0, 15.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif


def reopen(clean):
    return Image.open(io.BytesIO(clean.content.read()))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_accepted_formats_become_jpeg(fmt):
    if fmt == "HEIF" and not attachments.HEIF_SUPPORTED:
        pytest.fail("pillow-heif is a dependency and must be installed")
    clean = attachments.clean_photo(upload(fmt))
    image = reopen(clean)
    assert image.format == "JPEG"
    assert (clean.width, clean.height) == (120, 80)
    assert clean.content.name.endswith(".jpg")


def test_exif_and_gps_are_removed():
    original = upload("JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(original.read())).getexif().get(0x8825)
    original.seek(0)
    image = reopen(attachments.clean_photo(original))
    assert not image.getexif()
    assert "exif" not in image.info


def test_exif_orientation_is_applied_before_stripping():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    clean = attachments.clean_photo(upload("JPEG", size=(120, 80), exif=exif))
    assert (clean.width, clean.height) == (80, 120)


def test_transparent_png_is_flattened():
    clean = attachments.clean_photo(upload("PNG", mode="RGBA", size=(10, 10)))
    assert reopen(clean).mode == "RGB"


def test_large_photos_are_scaled_down():
    with override_settings(LINLI_PHOTO_MAX_SIDE=100):
        clean = attachments.clean_photo(upload("PNG", size=(400, 200)))
    assert (clean.width, clean.height) == (100, 50)


def test_oversized_upload_is_refused_with_its_name():
    with override_settings(LINLI_PHOTO_MAX_BYTES=1024), translation.override("en"):
        big = SimpleUploadedFile("big.jpg", b"\xff" * 4096)
        with pytest.raises(InvalidInput) as exc:
            attachments.clean_photo(big)
    assert "big.jpg" in exc.value.message and "too large" in exc.value.message
    assert exc.value.field == "photos"


def test_oversized_stream_without_declared_size_is_refused():
    class Stream(io.BytesIO):
        name = "stream.jpg"

    with override_settings(LINLI_PHOTO_MAX_BYTES=1024), pytest.raises(InvalidInput):
        attachments.clean_photo(Stream(b"\xff" * 4096))


def test_not_an_image_is_refused():
    with translation.override("en"), pytest.raises(InvalidInput) as exc:
        attachments.clean_photo(SimpleUploadedFile("notes.jpg", b"this is text, not a photo"))
    assert "notes.jpg" in exc.value.message


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput):
        attachments.clean_photo(SimpleUploadedFile("empty.jpg", b""))


def test_gif_is_not_an_accepted_format():
    with pytest.raises(InvalidInput):
        attachments.clean_photo(upload("GIF"))


def test_truncated_jpeg_is_refused():
    data = upload("JPEG", size=(300, 300)).read()
    with pytest.raises(InvalidInput):
        attachments.clean_photo(SimpleUploadedFile("cut.jpg", data[: len(data) // 3]))


def test_truncated_jpeg_is_refused_after_a_pdf_was_made():
    """WeasyPrint's import flips Pillow's process-wide flag to load truncated images."""
    from linli.core.pdf import html_to_pdf

    html_to_pdf("<p>通知书</p>")
    test_truncated_jpeg_is_refused()


def test_decompression_bomb_is_refused_before_decoding():
    # A tiny PNG declaring 20000 x 20000 pixels.
    bomb = upload("PNG", size=(20000, 20000), mode="1")
    assert bomb.size < 200_000
    with translation.override("en"), pytest.raises(InvalidInput) as exc:
        attachments.clean_photo(bomb)
    assert "too many pixels" in exc.value.message


def test_too_many_photos_at_once():
    with override_settings(LINLI_PHOTO_MAX_COUNT=2), pytest.raises(InvalidInput):
        attachments.clean_photos([upload(), upload(), upload()])


def test_one_bad_photo_rejects_the_batch():
    with pytest.raises(InvalidInput):
        attachments.clean_photos([upload(), SimpleUploadedFile("x.jpg", b"nope")])
