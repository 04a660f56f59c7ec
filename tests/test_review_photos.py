"""Review photos: format by content, size and pixel limits before decoding, metadata stripped,
re-encoded, thumbnailed, stored under unguessable names. Every image here is made with Pillow."""

from __future__ import annotations

import io
import random
import re
import resource
import struct
import time
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, ImageFile, PngImagePlugin, features

from saleor_retention.errors import RetentionError, RetentionErrorCode
from saleor_retention.reviews import photos
from saleor_retention.reviews.photos import (
    CleanPhoto,
    PhotoLimits,
    clean_photo,
    delete_photo_files,
    store_photo,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)
HOME = "Jane Doe, 12 Home Street"  # the kind of text metadata must not leak

NOT_AN_IMAGE = "This file is not an image. Upload a JPEG, PNG or WebP photo."
NOT_ACCEPTED = "This image format is not accepted. Upload a JPEG, PNG or WebP photo."
DAMAGED = "The photo is damaged or incomplete and cannot be read."
EMPTY = "The photo is empty."


# --- helpers ---------------------------------------------------------------------------------


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    output = io.BytesIO()
    image.save(output, image_format, **params)
    return output.getvalue()


def two_halves(size=(60, 40), left=RED, right=BLUE, mode="RGB") -> Image.Image:
    """Left half one colour, right half another: shows where the pixels went after a rotation."""
    image = Image.new(mode, size, left)
    image.paste(Image.new(mode, (size[0] - size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return image


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def refusal(upload, **kwargs) -> RetentionError:
    with pytest.raises(RetentionError) as error:
        clean_photo(upload, **kwargs)
    assert error.value.code == RetentionErrorCode.BAD_IMAGE
    return error.value


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, *, bit_depth: int = 8, complete: bool = True) -> bytes:
    """A real greyscale PNG of blank rows, written chunk by chunk: a huge one compresses to a few
    hundred KB (a decompression bomb). ``complete=False`` writes the first rows only."""
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)
    compressor = zlib.compressobj(9)
    rows = height if complete else min(height, 16)
    idat = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def png_chunk_types(data: bytes) -> list[str]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    position, kinds = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kinds.append(data[position + 4 : position + 8].decode("ascii"))
        position += 12 + length
    return kinds


def webp_chunk_types(data: bytes) -> list[str]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    position, kinds = 12, []
    while position < len(data):
        kind = data[position : position + 4].decode("ascii")
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        kinds.append(kind)
        position += 8 + length + (length & 1)
    return kinds


def spy_exif(orientation: int | None = None) -> bytes:
    """EXIF with a GPS position, a camera make and, optionally, an orientation."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)}  # GPSInfo
    exif[0x010F] = "SpyCam"  # Make
    exif[0x013B] = HOME  # Artist
    if orientation is not None:
        exif[0x0112] = orientation
    return exif.tobytes()


XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="'
    + HOME
    + '"/></rdf:RDF></x:xmpmeta>'
).encode()
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def with_jpeg_xmp(jpeg: bytes) -> bytes:
    """Inserts an XMP APP1 segment right after SOI (Pillow 9.5 cannot write one)."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + XMP
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def assert_no_metadata(data: bytes) -> None:
    image = reopen(data)
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(0x8825)  # no GPS
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author"):
        assert key not in image.info, key
    for needle in (b"Exif", b"SpyCam", HOME.encode(), b"adobe", b"xmpmeta", b"sRGB"):
        assert needle not in data, needle


# --- formats: by content, never by name ------------------------------------------------------


def test_this_pillow_has_webp_support_including_animation():
    assert features.check("webp")
    assert features.check("webp_anim")


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_jpeg_png_and_webp_are_accepted_and_keep_their_format(
    image_format, content_type, extension
):
    # given
    data = encode(two_halves((300, 200)), image_format)
    # when
    photo = clean_photo(data)
    # then
    assert isinstance(photo, CleanPhoto)
    assert (photo.content_type, photo.extension) == (content_type, extension)
    assert (photo.width, photo.height) == (300, 200)
    image = reopen(photo.content)
    assert (image.format, image.size) == (image_format, (300, 200))
    assert close_to(image.getpixel((10, 100)), RED)
    assert close_to(image.getpixel((290, 100)), BLUE)
    assert photo.thumbnail_content_type == content_type
    assert reopen(photo.thumbnail).format == image_format


def test_format_is_decided_by_content_not_by_name_or_declared_type():
    # given a PNG uploaded as "photo.jpg", declared image/jpeg, and a JPEG named like a GIF
    png_as_jpeg = SimpleUploadedFile("photo.jpg", encode(two_halves(), "PNG"), "image/jpeg")
    jpeg_as_gif = SimpleUploadedFile("photo.gif", encode(two_halves(), "JPEG"), "image/gif")
    # when
    from_png = clean_photo(png_as_jpeg)
    from_jpeg = clean_photo(jpeg_as_gif)
    # then
    assert (from_png.content_type, from_png.extension) == ("image/png", "png")
    assert reopen(from_png.content).format == "PNG"
    assert (from_jpeg.content_type, from_jpeg.extension) == ("image/jpeg", "jpg")


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("gif", lambda: encode(two_halves(), "GIF"), NOT_ACCEPTED),
        ("bmp", lambda: encode(two_halves(), "BMP"), NOT_ACCEPTED),
        ("tiff", lambda: encode(two_halves(), "TIFF"), NOT_ACCEPTED),
        ("ico", lambda: encode(two_halves((32, 32)), "ICO"), NOT_ACCEPTED),
        ("svg", lambda: SVG, NOT_ACCEPTED),
        ("svg without xml declaration", lambda: b"  <svg onload='alert(1)'/>", NOT_ACCEPTED),
        (
            "heic (iphone)",
            lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
            NOT_ACCEPTED,
        ),
        ("html", lambda: b"<!doctype html><html><script>alert(1)</script></html>", NOT_AN_IMAGE),
        ("php script", lambda: b"<?php system($_GET['c']); ?>", NOT_AN_IMAGE),
        ("shell script", lambda: b"#!/bin/sh\nrm -rf /\n", NOT_AN_IMAGE),
        ("pdf", lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", NOT_AN_IMAGE),
        ("zip", lambda: b"PK\x03\x04" + b"\x00" * 40, NOT_AN_IMAGE),
    ],
)
def test_other_formats_and_non_images_are_refused_even_when_named_jpg(name, make, message):
    # given a file named and declared as a JPEG
    upload = SimpleUploadedFile("photo.jpg", make(), "image/jpeg")
    # when
    error = refusal(upload)
    # then
    assert (error.message, error.field) == (message, "photos")


def test_empty_input_is_refused():
    assert refusal(b"").message == EMPTY
    assert refusal(SimpleUploadedFile("photo.jpg", b"", "image/jpeg")).message == EMPTY
    assert refusal(io.BytesIO()).message == EMPTY


def test_a_text_stream_is_not_an_image():
    assert refusal(io.StringIO("not bytes at all")).message == NOT_AN_IMAGE


def test_refusals_name_the_field_they_were_given():
    assert refusal(b"<html>", field="photos.2").field == "photos.2"


@pytest.mark.parametrize(
    "polyglot",
    [
        pytest.param(
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8, id="jfif+garbage"
        ),
        pytest.param(b"\xff\xd8\xff<html><script>alert(1)</script></html>", id="jpeg-magic+html"),
        pytest.param(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", id="png-magic+script"),
        pytest.param(b"RIFF\x10\x00\x00\x00WEBPVP8 garbage!", id="webp-magic+garbage"),
    ],
)
def test_a_valid_looking_header_followed_by_garbage_is_refused_as_damaged(polyglot):
    assert refusal(polyglot).message == DAMAGED


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_truncated_images_are_refused_as_damaged(image_format):
    # given a real photo-like image cut in half
    noise = Image.effect_noise((200, 200), 64).convert("RGB")
    data = encode(noise, image_format)
    # when / then
    assert refusal(data[: len(data) // 2]).message == DAMAGED


def test_a_payload_appended_after_a_valid_jpeg_does_not_survive_re_encoding():
    # given a valid JPEG with HTML appended after its end (a JPEG/HTML polyglot; phones also
    # append data after the image, e.g. a motion photo's video, so the image is accepted)
    data = encode(two_halves(), "JPEG") + b"<html><script>alert(document.cookie)</script></html>"
    # when
    photo = clean_photo(data)
    # then
    assert b"<script" not in photo.content and b"<script" not in photo.thumbnail
    assert photo.content.endswith(b"\xff\xd9")  # ends where the JPEG ends


def test_randomly_damaged_images_are_either_cleaned_or_refused_never_a_crash():
    # given many mutations (cuts, flipped bytes, insertions) of each accepted format
    rng = random.Random(20261202)
    originals = [encode(two_halves((64, 48)), fmt) for fmt in ("JPEG", "PNG", "WEBP")]
    outcomes = {"cleaned": 0, "refused": 0}
    for original in originals:
        for _attempt in range(150):
            data = bytearray(original)
            operation = rng.randrange(3)
            if operation == 0:
                data = data[: rng.randrange(1, len(data))]
            elif operation == 1:
                for _flip in range(rng.randrange(1, 10)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            else:
                position = rng.randrange(len(data))
                data[position:position] = rng.randbytes(rng.randrange(1, 50))
            # when
            try:
                photo = clean_photo(bytes(data))
            except RetentionError as error:
                # then a refusal is always the typed one
                assert error.code == RetentionErrorCode.BAD_IMAGE
                outcomes["refused"] += 1
            else:
                # or what comes out is a valid image of the same format
                assert reopen(photo.content).format in ("JPEG", "PNG", "WEBP")
                outcomes["cleaned"] += 1
    assert outcomes["refused"] > 100 and outcomes["cleaned"] > 0


# --- byte size: before decoding --------------------------------------------------------------


class EndlessStream(io.RawIOBase):
    """A never-ending upload that counts what was read from it."""

    def __init__(self, size: int | None = None):
        self.bytes_read = 0
        if size is not None:
            self.size = size

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"\xff" * len(buffer)
        self.bytes_read += len(buffer)
        return len(buffer)


def test_bytes_over_the_limit_are_refused_before_decoding(monkeypatch):
    # given Pillow would fail the test if anything were decoded
    data = encode(Image.effect_noise((200, 200), 64).convert("RGB"), "PNG")
    limits = PhotoLimits(max_bytes=len(data) - 1)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded an oversize upload")

    # when
    with monkeypatch.context() as patched:
        patched.setattr(Image, "open", no_decoding)
        error = refusal(data, limits=limits)
        refusal(io.BytesIO(data), limits=limits)
    # then
    assert error.message.startswith("The photo is too large: at most ")
    assert clean_photo(data, limits=PhotoLimits(max_bytes=len(data))).width == 200  # exactly fits


def test_a_stream_is_read_only_up_to_one_byte_past_the_limit():
    # given an endless upload
    stream = EndlessStream()
    # when
    error = refusal(stream, limits=PhotoLimits(max_bytes=1000))
    # then
    assert error.message.startswith("The photo is too large")
    assert stream.bytes_read == 1001


def test_a_declared_size_over_the_limit_is_refused_without_reading():
    # given an upload whose size Django already knows (UploadedFile.size)
    stream = EndlessStream(size=6 * 1024 * 1024)
    # when
    error = refusal(stream)
    # then
    assert error.message == "The photo is too large: at most 5.0\xa0MB."
    assert stream.bytes_read == 0


def test_uploads_are_read_from_the_start_whatever_their_position(tmp_path):
    # given a Django upload already read to its end, and a file opened from disk
    data = encode(two_halves(), "WEBP")
    upload = SimpleUploadedFile("photo.webp", data, "image/webp")
    upload.read()
    path = tmp_path / "photo.bin"
    path.write_bytes(data)
    # when
    with path.open("rb") as disk_file:
        from_disk = clean_photo(disk_file)
    from_upload = clean_photo(upload)
    # then
    assert from_upload.content == from_disk.content == clean_photo(data).content


# --- pixels: header dimensions before decoding (decompression bombs) -------------------------


@pytest.fixture
def decoding_spy(monkeypatch) -> list[str]:
    """Records every pixel decode by Pillow's file decoders (PNG and JPEG use ImageFile.load)."""
    calls: list[str] = []
    original = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.format)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_a_png_bomb_declaring_30000_by_30000_is_refused_fast_without_decoding(decoding_spy):
    # given a complete 1-bit PNG of 900 million pixels, about 110 KB on disk (decoded by Pillow
    # it would take 900 MB: one byte a pixel)
    bomb = png_declaring(30000, 30000, bit_depth=1)
    assert len(bomb) < 200 * 1024
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.monotonic()
    # when
    error = refusal(bomb)
    # then
    assert time.monotonic() - started < 1.0
    growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert growth_mib < 50
    assert decoding_spy == []
    assert "too" in error.message


def test_too_many_pixels_by_the_header_is_refused_before_decoding(decoding_spy):
    # given a real 5000 x 5000 PNG: 25 megapixels, over 24, yet each side under 8000 and far below
    # Pillow's own bomb limit (89 megapixels), so only our check stands in the way
    data = png_declaring(5000, 5000)
    # when
    error = refusal(data)
    # then
    assert error.message == "The photo has too many pixels: at most 24 megapixels."
    assert decoding_spy == []


def test_a_side_longer_than_the_limit_is_refused_before_decoding(decoding_spy):
    # given a PNG 8001 pixels wide and 10 high: few pixels, one side too long (header and first
    # rows only: the rest is never read)
    data = png_declaring(8001, 10, complete=False)
    # when
    error = refusal(data)
    # then
    assert error.message == "The photo is too big: at most 8000 pixels on its longest side."
    assert decoding_spy == []


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to declare another size."""
    data = bytearray(encode(two_halves((16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (30000, 30000, "The photo has too many pixels: at most 24 megapixels."),  # Pillow's bomb
        (6000, 5000, "The photo has too many pixels: at most 24 megapixels."),  # ours only
        (9000, 100, "The photo is too big: at most 8000 pixels on its longest side."),
    ],
)
def test_a_jpeg_declaring_too_many_pixels_is_refused_before_decoding(
    decoding_spy, width, height, message
):
    # given a JPEG of 16 x 16 pixels whose header claims a huge size
    data = jpeg_declaring(width, height)
    # when
    error = refusal(data)
    # then
    assert error.message == message
    assert decoding_spy == []


def test_an_image_exactly_at_the_limits_is_accepted(decoding_spy):
    limits = PhotoLimits(max_side=120, max_pixels=120 * 80)
    assert clean_photo(encode(two_halves((120, 80)), "PNG"), limits=limits).width == 120
    assert set(decoding_spy) == {"PNG"}  # the spy does see a decode when there is one
    assert refusal(encode(two_halves((121, 80)), "PNG"), limits=limits).message.startswith(
        "The photo is too big"
    )
    assert "megapixels" in refusal(encode(two_halves((120, 81)), "PNG"), limits=limits).message


@pytest.mark.parametrize("size", [(40, 40), (50, 50)], ids=["bomb-warning", "bomb-error"])
def test_pillows_own_decompression_bomb_warning_and_error_are_refusals(monkeypatch, size):
    # given Pillow's bomb limit below ours (a merchant raised max_pixels): 1600 pixels make Pillow
    # warn, 2500 (over twice its limit) make it raise
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = encode(two_halves(size), "PNG")
    # when
    error = refusal(data)
    # then
    assert "megapixels" in error.message


# --- animation: first frame only -------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animation_keeps_its_first_frame_only(image_format):
    # given a three-frame animated PNG (APNG) or WebP
    frames = [Image.new("RGB", (50, 40), colour) for colour in (RED, GREEN, BLUE)]
    data = encode(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    # when
    photo = clean_photo(data)
    # then
    image = reopen(photo.content)
    assert image.format == image_format
    assert getattr(image, "n_frames", 1) == 1
    assert close_to(image.convert("RGB").getpixel((25, 20)), RED)


def test_a_multi_picture_jpeg_keeps_its_first_picture_as_a_plain_jpeg():
    # given an MPO (a JPEG with a second picture, as phones write for depth maps)
    first, second = Image.new("RGB", (50, 40), RED), Image.new("RGB", (50, 40), BLUE)
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    # when
    photo = clean_photo(data)
    # then
    image = reopen(photo.content)
    assert (photo.content_type, image.format) == ("image/jpeg", "JPEG")
    assert close_to(image.getpixel((25, 20)), RED)
    assert photo.content.count(b"\xff\xd8") == 1  # one picture left


# --- metadata stripped, orientation applied --------------------------------------------------


def test_a_jpeg_with_gps_exif_comes_out_with_no_exif_and_upright():
    # given a 60x40 JPEG whose EXIF has a GPS position, camera, artist, orientation 6 ("rotate 90
    # degrees clockwise to view"), plus XMP, a comment and an ICC profile
    data = with_jpeg_xmp(
        encode(
            two_halves((60, 40)),
            "JPEG",
            exif=spy_exif(orientation=6),
            comment=HOME.encode(),
            icc_profile=SRGB_ICC,
        )
    )
    given = Image.open(io.BytesIO(data))
    assert given.getexif().get_ifd(0x8825)[1] == "N" and "comment" in given.info
    assert b"xmpmeta" in data and b"SpyCam" in data
    # when
    photo = clean_photo(data)
    # then no metadata in the photo or its thumbnail
    assert_no_metadata(photo.content)
    assert_no_metadata(photo.thumbnail)
    # and the pixels were turned upright: 40 wide, 60 high, the left (red) half now on top
    image = reopen(photo.content)
    assert image.size == (40, 60) == (photo.width, photo.height)
    assert close_to(image.getpixel((20, 5)), RED)
    assert close_to(image.getpixel((20, 55)), BLUE)


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [
        (1, (60, 40), (5, 20)),
        (3, (60, 40), (55, 20)),
        (6, (40, 60), (20, 5)),
        (8, (40, 60), (20, 55)),
    ],
)
@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_exif_orientation_is_applied_and_removed(
    image_format, orientation, size, red_at
):
    # given the left half red, EXIF orientation as given
    data = encode(two_halves((60, 40)), image_format, exif=spy_exif(orientation))
    # when
    photo = clean_photo(data)
    # then
    image = reopen(photo.content)
    assert image.size == size
    assert close_to(image.getpixel(red_at), RED)
    assert_no_metadata(photo.content)


def test_png_text_chunks_exif_and_icc_profile_are_stripped():
    # given a PNG with tEXt, zTXt and iTXt chunks, an eXIf chunk with GPS, and an ICC profile
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", HOME)
    info.add_text("Comment", HOME, zip=True)
    info.add_itxt("Description", HOME, lang="en")
    data = encode(two_halves(), "PNG", pnginfo=info, exif=spy_exif(), icc_profile=SRGB_ICC)
    assert {"tEXt", "zTXt", "iTXt", "eXIf", "iCCP"} <= set(png_chunk_types(data))
    # when
    photo = clean_photo(data)
    # then only image chunks are left
    for output in (photo.content, photo.thumbnail):
        assert set(png_chunk_types(output)) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}
        assert_no_metadata(output)


def test_webp_exif_xmp_and_icc_chunks_are_stripped():
    # given a WebP carrying EXIF (GPS), XMP and an ICC profile
    data = encode(two_halves(), "WEBP", exif=spy_exif(), xmp=XMP, icc_profile=SRGB_ICC)
    assert {"EXIF", "XMP ", "ICCP"} <= set(webp_chunk_types(data))
    # when
    photo = clean_photo(data)
    # then
    for output in (photo.content, photo.thumbnail):
        assert not {"EXIF", "XMP ", "ICCP"} & set(webp_chunk_types(output))
        assert_no_metadata(output)


# --- re-encoding and colour modes ------------------------------------------------------------


def test_jpeg_is_re_encoded_at_quality_85():
    # given a JPEG saved at quality 100
    source = Image.effect_noise((120, 80), 40).convert("RGB")
    data = encode(source, "JPEG", quality=100)
    reference = reopen(encode(source, "JPEG", quality=85))
    # when
    photo = clean_photo(data)
    # then its quantisation tables are Pillow's for quality 85
    assert reopen(photo.content).quantization == reference.quantization
    assert len(photo.content) < len(data)


def test_png_is_optimised_and_webp_re_encoded_at_quality_85():
    # given
    source = Image.effect_noise((120, 80), 40).convert("RGB")
    png = encode(source, "PNG", compress_level=0)
    webp = encode(source, "WEBP", lossless=True)
    # when
    png_photo, webp_photo = clean_photo(png), clean_photo(webp)
    # then
    assert len(png_photo.content) <= len(encode(source, "PNG", optimize=False))
    assert list(reopen(png_photo.content).getdata()) == list(source.getdata())  # lossless
    assert webp_photo.content == encode(reopen(webp), "WEBP", quality=85)


def test_cmyk_jpeg_becomes_rgb():
    # given a CMYK JPEG (print workflows export these), pure red in CMYK terms
    data = encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")
    # when
    image = reopen(clean_photo(data).content)
    # then
    assert image.mode == "RGB"
    assert close_to(image.getpixel((20, 15)), RED)


def test_greyscale_jpeg_stays_greyscale():
    image = reopen(clean_photo(encode(Image.new("L", (40, 30), 90), "JPEG")).content)
    assert image.mode == "L" and abs(image.getpixel((5, 5)) - 90) <= 2


def test_palette_png_with_transparency_becomes_rgba_and_keeps_it():
    # given a palette PNG: index 0 transparent, index 1 red
    image = Image.new("P", (20, 10), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(1, (10, 0, 20, 10))
    data = encode(image, "PNG", transparency=0)
    # when
    out = reopen(clean_photo(data).content)
    # then
    assert out.mode == "RGBA"
    assert out.getpixel((2, 5))[3] == 0
    assert out.getpixel((15, 5)) == (255, 0, 0, 255)


def test_palette_png_without_transparency_becomes_rgb():
    image = Image.new("P", (20, 10), 0)
    image.putpalette([0, 128, 255] + [0, 0, 0] * 255)
    out = reopen(clean_photo(encode(image, "PNG")).content)
    assert out.mode == "RGB" and out.getpixel((3, 3)) == (0, 128, 255)


def test_png_alpha_is_kept_exactly():
    # given RGBA and greyscale-with-alpha PNGs with a half-transparent and a clear region
    rgba = Image.new("RGBA", (20, 10), (255, 0, 0, 128))
    rgba.paste((0, 0, 255, 0), (10, 0, 20, 10))
    grey_alpha = Image.new("LA", (20, 10), (200, 64))
    # when
    out_rgba = reopen(clean_photo(encode(rgba, "PNG")).content)
    out_la = reopen(clean_photo(encode(grey_alpha, "PNG")).content)
    # then
    assert out_rgba.mode == "RGBA"
    assert out_rgba.getpixel((2, 2)) == (255, 0, 0, 128)
    assert out_rgba.getpixel((15, 2))[3] == 0
    assert (out_la.mode, out_la.getpixel((3, 3))) == ("LA", (200, 64))


def test_greyscale_png_with_a_transparent_grey_becomes_grey_with_alpha():
    image = Image.new("L", (20, 10), 7)
    image.paste(200, (10, 0, 20, 10))
    out = reopen(clean_photo(encode(image, "PNG", transparency=7)).content)
    assert out.mode == "LA"
    assert out.getpixel((2, 2))[1] == 0 and out.getpixel((15, 2)) == (200, 255)


def test_sixteen_bit_greyscale_png_becomes_eight_bit_with_its_brightness():
    # given a 16-bit greyscale PNG: white and middle grey
    image = Image.new("I", (20, 10), 65535)  # Pillow writes mode I as a 16-bit PNG
    image.paste(32768, (10, 0, 20, 10))
    assert Image.open(io.BytesIO(encode(image, "PNG"))).getpixel((15, 2)) == 32768
    # when
    out = reopen(clean_photo(encode(image, "PNG")).content)
    # then
    assert out.mode == "L"
    assert out.getpixel((2, 2)) == 255 and out.getpixel((15, 2)) == 128


def test_webp_alpha_is_kept():
    image = Image.new("RGBA", (20, 10), (0, 255, 0, 255))
    image.paste((0, 0, 0, 0), (10, 0, 20, 10))
    out = reopen(clean_photo(encode(image, "WEBP")).content)
    assert out.mode == "RGBA"
    assert out.getpixel((15, 5))[3] == 0 and out.getpixel((3, 5))[3] == 255


# --- thumbnail -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "thumbnail_size"),
    [
        ((1200, 600), (400, 200)),
        ((300, 900), (133, 400)),
        ((400, 400), (400, 400)),
        ((100, 50), (100, 50)),  # never enlarged
        ((2000, 4), (400, 1)),
    ],
)
@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_thumbnail_longest_side_is_400_with_aspect_kept_and_never_enlarged(
    image_format, size, thumbnail_size
):
    # when
    photo = clean_photo(encode(two_halves(size), image_format))
    # then
    thumbnail = reopen(photo.thumbnail)
    assert thumbnail.size == thumbnail_size == (photo.thumbnail_width, photo.thumbnail_height)
    assert thumbnail.format == image_format
    assert (photo.width, photo.height) == size


def test_thumbnail_side_comes_from_the_limits():
    photo = clean_photo(
        encode(two_halves((1000, 500)), "JPEG"), limits=PhotoLimits(thumbnail_side=64)
    )
    assert (photo.thumbnail_width, photo.thumbnail_height) == (64, 32)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="thumbnail_side"):
        PhotoLimits(thumbnail_side=0)


# --- storage ---------------------------------------------------------------------------------


def test_store_saves_photo_and_thumbnail_under_unguessable_names(settings):
    # given
    photo = clean_photo(encode(two_halves((800, 600)), "JPEG"))
    # when
    path, thumbnail_path = store_photo(photo, folder="review-7")
    other_path, _other_thumbnail = store_photo(photo, folder="review-7")
    # then
    match = re.fullmatch(r"retention/reviews/review-7/([A-Za-z0-9_-]{32})\.jpg", path)
    assert match, path
    assert thumbnail_path == f"retention/reviews/review-7/{match[1]}_thumb.jpg"
    assert other_path != path
    with default_storage.open(path) as stored, default_storage.open(thumbnail_path) as thumb:
        assert (stored.read(), thumb.read()) == (photo.content, photo.thumbnail)
    assert default_storage.path(path).startswith(settings.MEDIA_ROOT)  # the per-test folder


@pytest.mark.parametrize(
    "folder", ["", "../etc", "a/../b", "/absolute", "a//b", "with space", "review-1\n"]
)
def test_store_refuses_a_folder_that_is_not_plain_path_segments(folder):
    photo = clean_photo(encode(two_halves(), "PNG"))
    with pytest.raises(ValueError):
        store_photo(photo, folder=folder)
    assert not default_storage.exists(photos.STORAGE_ROOT)


def test_a_failed_thumbnail_save_leaves_no_photo_behind(monkeypatch):
    # given storage that fails on the second file
    photo = clean_photo(encode(two_halves(), "PNG"))
    saved: list[str] = []
    original_save = default_storage.save

    def save(name, content, **kwargs):
        if saved:
            raise OSError("disk full")
        saved.append(original_save(name, content, **kwargs))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", save)
    # when
    with pytest.raises(OSError, match="disk full"):
        store_photo(photo, folder="review-8")
    # then
    assert len(saved) == 1 and not default_storage.exists(saved[0])


def test_delete_removes_both_files_and_missing_files_are_fine():
    # given
    path, thumbnail_path = store_photo(clean_photo(encode(two_halves(), "WEBP")), folder="r/9")
    assert default_storage.exists(path) and default_storage.exists(thumbnail_path)
    # when
    delete_photo_files(path, thumbnail_path)
    delete_photo_files(path, thumbnail_path, "")  # again, and an empty path: nothing happens
    # then
    assert not default_storage.exists(path) and not default_storage.exists(thumbnail_path)


@pytest.mark.parametrize("path", ["cards/card.pdf", "retention/reviews/../../settings.py"])
def test_delete_refuses_paths_outside_review_photos(path):
    with pytest.raises(ValueError):
        delete_photo_files(path)


# --- language --------------------------------------------------------------------------------


def test_refusals_are_translated_into_chinese():
    with translation.override("zh-hans"):
        messages = [
            refusal(b"<html>").message,
            refusal(encode(two_halves(), "GIF")).message,
            refusal(b"").message,
            refusal(b"\xff\xd8\xffgarbage").message,
            refusal(png_declaring(5000, 5000)).message,
            refusal(png_declaring(8001, 10, complete=False)).message,
            refusal(b"x" * 11, limits=PhotoLimits(max_bytes=10)).message,
        ]
    for message in messages:
        assert re.search(r"[\u4e00-\u9fff]", message), message
