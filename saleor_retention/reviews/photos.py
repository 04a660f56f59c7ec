"""Review photos: an upload becomes a clean, re-encoded image and a thumbnail, or a typed refusal.

``clean_photo`` is the only way an uploaded photo reaches storage. In this order:

1. **Size first.** At most ``max_bytes + 1`` bytes are read (a file-like's declared ``size`` is
   checked before reading anything); over the limit is refused before any decoding.
2. **Format by content.** The first bytes decide: JPEG, PNG or WebP, nothing else. The file name
   and the declared content type are never looked at. Pillow is then told to open only that format,
   and must agree (a JPEG with several pictures is Pillow's ``MPO``: a JPEG, first picture kept).
3. **Size from the header.** Opening reads the header only; the declared width and height are
   checked against ``max_side`` and ``max_pixels`` before a single pixel is decoded, so a
   30000 x 30000 PNG of a few hundred KB (a decompression bomb) costs nothing. Pillow's own
   ``DecompressionBombWarning``/``Error`` are refusals too.
4. **Decode, first frame only.** An animated PNG or WebP keeps its first frame (a still photo is
   what a review shows; the animation's other frames are never decoded). Anything Pillow cannot
   decode completely (truncated, damaged, a JPEG header followed by garbage) is refused.
5. **Upright, then stripped.** The EXIF orientation is applied to the pixels; then only pixels are
   kept: EXIF (GPS, camera, time), XMP, ICC profile, PNG text chunks and comments all go (the
   image's ``info`` is emptied, and nothing is passed to the encoder). An ICC profile is first
   used to convert the pixels to sRGB, so colours survive its removal.
6. **Re-encoded in the same format.** JPEG quality 85 (RGB, or L for greyscale; CMYK becomes
   RGB), PNG optimised (alpha kept; palette images become RGB/RGBA; 16-bit greyscale becomes
   8-bit), WebP quality 85 (RGB/RGBA). Bytes appended after a valid image (a "polyglot" carrying
   HTML or a ZIP, as some phones also append a video) are dropped by the re-encoding.
7. **Thumbnail**: the longest side becomes ``thumbnail_side``, aspect kept, never enlarged; same
   format and settings.

``store_photo`` saves both through Django's ``default_storage`` under unguessable names;
``delete_photo_files`` removes them (files already gone are fine). Storage is outside the
database transaction: the caller deletes what it stored if its transaction does not commit.
"""

from __future__ import annotations

import dataclasses
import io
import re
import secrets
import struct
import warnings
import zlib
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from .. import operator_settings
from ..errors import RetentionError, RetentionErrorCode

STORAGE_ROOT = "retention/reviews"
FOLDER = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
TOKEN_BYTES = 24  # secrets.token_urlsafe: 32 characters, 192 bits; a name nobody can guess
READ_CHUNK = 64 * 1024


def _operator(name: str) -> Any:
    return dataclasses.field(default_factory=lambda: operator_settings.value(name))


@dataclasses.dataclass(frozen=True)
class PhotoLimits:
    """A field not given takes the operator's setting (``RETENTION_REVIEW_PHOTO_*``)."""

    max_bytes: int = _operator("RETENTION_REVIEW_PHOTO_MAX_BYTES")
    # width x height; decompression-bomb guard
    max_pixels: int = _operator("RETENTION_REVIEW_PHOTO_MAX_PIXELS")
    max_side: int = _operator("RETENTION_REVIEW_PHOTO_MAX_SIDE")
    thumbnail_side: int = _operator("RETENTION_REVIEW_PHOTO_THUMBNAIL_SIDE")

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) < 1:
                raise ValueError(f"PhotoLimits.{field.name} must be at least 1")


@dataclasses.dataclass(frozen=True)
class CleanPhoto:
    content: bytes  # re-encoded image, all metadata stripped
    content_type: str  # "image/jpeg" | "image/png" | "image/webp"
    extension: str  # "jpg" | "png" | "webp"
    width: int
    height: int
    thumbnail: bytes
    thumbnail_content_type: str
    thumbnail_width: int
    thumbnail_height: int


@dataclasses.dataclass(frozen=True)
class _Format:
    decoder: str  # the only Pillow decoder Image.open may use
    pillow_names: tuple[str, ...]  # what Pillow may call the opened image
    content_type: str
    extension: str


# A JPEG with several pictures (a phone's depth map, a camera's stereo pair) opens as MPO.
JPEG = _Format("JPEG", ("JPEG", "MPO"), "image/jpeg", "jpg")
PNG = _Format("PNG", ("PNG",), "image/png", "png")
WEBP = _Format("WEBP", ("WEBP",), "image/webp", "webp")

# Signatures of image formats we recognise but do not accept, so the shopper hears "format not
# accepted" (and can convert) rather than "not an image". Only the start of the file is looked at.
_OTHER_IMAGE_SIGNATURES = (
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # Photoshop
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL ",  # JPEG XL container
)
_ISO_MEDIA_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")

# EXIF orientation -> the transpose that makes the pixels upright (the EXIF 2.3 table).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112

# What Pillow raises on input it cannot parse or decode (checked by the fuzz test): a refusal,
# never a server error.
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)

_SRGB = ImageCms.createProfile("sRGB")

# Imported so their decoders are registered: Image.open(formats=[...]) fails on a format whose
# plugin Pillow has not loaded yet (it loads them lazily).
_DECODERS = (JpegImagePlugin, PngImagePlugin, WebPImagePlugin)


def clean_photo(
    upload: Any, *, limits: PhotoLimits | None = None, field: str = "photos"
) -> CleanPhoto:
    """``upload``: bytes, or a Django ``UploadedFile`` / any binary file-like object; ``limits``
    default to the operator's settings at the time of the call."""
    limits = limits or PhotoLimits()
    data = _read_at_most(upload, limits.max_bytes, field=field)
    kind = _sniff(data, field=field)
    image = _open_checked(data, kind, limits, field=field)
    upright = _upright(image)
    pixels = _plain_pixels(upright, kind)
    content = _encode(pixels, kind)
    thumbnail = pixels.copy()
    thumbnail.thumbnail((limits.thumbnail_side, limits.thumbnail_side), Image.Resampling.LANCZOS)
    return CleanPhoto(
        content=content,
        content_type=kind.content_type,
        extension=kind.extension,
        width=pixels.width,
        height=pixels.height,
        thumbnail=_encode(thumbnail, kind),
        thumbnail_content_type=kind.content_type,
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


def store_photo(photo: CleanPhoto, *, folder: str) -> tuple[str, str]:
    """Saves the photo and its thumbnail; returns their storage paths (photo, thumbnail)."""
    if not FOLDER.fullmatch(folder):
        raise ValueError(f"photo folder must be plain path segments, not {folder!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    base = f"{STORAGE_ROOT}/{folder}/{token}"
    path = default_storage.save(f"{base}.{photo.extension}", ContentFile(photo.content))
    stored = False
    try:
        thumbnail_path = default_storage.save(
            f"{base}_thumb.{photo.extension}", ContentFile(photo.thumbnail)
        )
        stored = True
    finally:
        if not stored:  # no photo without its thumbnail
            delete_photo_files(path)
    return path, thumbnail_path


def delete_photo_files(*paths: str) -> None:
    """Deletes stored photo files; empty paths and files already gone are fine."""
    for path in paths:
        if not path:
            continue
        if not path.startswith(f"{STORAGE_ROOT}/") or ".." in path.split("/"):
            raise ValueError(f"not a review photo path: {path!r}")
        try:
            default_storage.delete(path)
        except FileNotFoundError:
            pass


# --- steps of clean_photo ------------------------------------------------------------------------


def _refuse(message: str, field: str) -> RetentionError:
    return RetentionError(message, code=RetentionErrorCode.BAD_IMAGE, field=field)


def _too_large(max_bytes: int, field: str) -> RetentionError:
    return _refuse(
        _("The photo is too large: at most %(limit)s.") % {"limit": filesizeformat(max_bytes)},
        field,
    )


def _read_at_most(upload: Any, max_bytes: int, *, field: str) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
        if len(data) > max_bytes:
            raise _too_large(max_bytes, field)
    else:
        declared_size = getattr(upload, "size", None)  # Django's UploadedFile knows it
        if isinstance(declared_size, int) and declared_size > max_bytes:
            raise _too_large(max_bytes, field)
        data = _read_limited(upload, max_bytes + 1, field=field)
        if len(data) > max_bytes:
            raise _too_large(max_bytes, field)
    if not data:
        raise _refuse(_("The photo is empty."), field)
    return data


def _read_limited(stream: IO[bytes], limit: int, *, field: str) -> bytes:
    seekable = getattr(stream, "seekable", None)
    if callable(seekable) and seekable():
        stream.seek(0)
    buffer = bytearray()
    while len(buffer) < limit:
        chunk = stream.read(min(READ_CHUNK, limit - len(buffer)))
        if not chunk:
            break
        if not isinstance(chunk, bytes | bytearray):  # a text stream: not an image
            raise _not_an_image(field)
        buffer += chunk
    return bytes(buffer)


def _not_an_image(field: str) -> RetentionError:
    return _refuse(_("This file is not an image. Upload a JPEG, PNG or WebP photo."), field)


def _sniff(data: bytes, *, field: str) -> _Format:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    head = data[:1024].lower()
    if (
        data.startswith(_OTHER_IMAGE_SIGNATURES)
        or (data[4:8] == b"ftyp" and data[8:12] in _ISO_MEDIA_IMAGE_BRANDS)
        or b"<svg" in head
    ):
        raise _refuse(
            _("This image format is not accepted. Upload a JPEG, PNG or WebP photo."), field
        )
    raise _not_an_image(field)


def _damaged(field: str) -> RetentionError:
    return _refuse(_("The photo is damaged or incomplete and cannot be read."), field)


def _too_many_pixels(limits: PhotoLimits, field: str) -> RetentionError:
    return _refuse(
        _("The photo has too many pixels: at most %(megapixels)s megapixels.")
        % {"megapixels": f"{limits.max_pixels / 1_000_000:g}"},
        field,
    )


def _open_checked(data: bytes, kind: _Format, limits: PhotoLimits, *, field: str) -> Image.Image:
    # warnings.catch_warnings changes process-wide filters for the duration; acceptable here
    # because the only effect elsewhere would be a bomb warning raised instead of printed.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind.decoder])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(limits, field)
        except _UNREADABLE:
            raise _damaged(field)
        if image.format not in kind.pillow_names:
            raise _damaged(field)
        # The header's dimensions, before any pixel is decoded.
        width, height = image.size
        if width < 1 or height < 1:
            raise _damaged(field)
        if max(width, height) > limits.max_side:
            raise _refuse(
                _("The photo is too big: at most %(max_side)s pixels on its longest side.")
                % {"max_side": limits.max_side},
                field,
            )
        if width * height > limits.max_pixels:
            raise _too_many_pixels(limits, field)
        try:
            image.seek(0)  # an animation keeps its first frame only
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(limits, field)
        except _UNREADABLE:
            raise _damaged(field)
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG)
    except _UNREADABLE:  # unreadable EXIF: the pixels stay as stored, the EXIF goes anyway
        orientation = None
    transpose = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    if transpose is None:
        return image
    upright = image.transpose(transpose)
    upright.info = dict(image.info)  # keeps the ICC profile and transparency for the next step
    return upright


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _plain_pixels(image: Image.Image, kind: _Format) -> Image.Image:
    """The pixels in the mode the output format stores, in sRGB, carrying no metadata at all."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):  # 16-bit greyscale PNG
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    alpha = kind is not JPEG and _has_alpha(image)
    grey = image.mode in ("1", "L", "LA", "La")
    if kind is WEBP or not grey:
        target = "RGBA" if alpha else "RGB"
    else:
        target = "LA" if alpha else "L"
    icc_profile = image.info.get("icc_profile")
    if image.mode in ("P", "PA", "1") or (alpha and image.mode not in ("RGBA", "LA")):
        # palettes and transparency colours become a real alpha channel first
        image = image.convert("RGBA" if alpha else "RGB")
    pixels = _to_srgb(image, icc_profile, target) if icc_profile else image
    if pixels.mode != target:
        pixels = pixels.convert(target)
    if pixels is image:
        pixels = image.copy()
    pixels.info = {}  # Pillow's encoders read EXIF, ICC, comments and text from here
    return pixels


def _to_srgb(image: Image.Image, icc_profile: bytes, target: str) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=target)
    except (ImageCms.PyCMSError, *_UNREADABLE):
        # A profile lcms cannot use (or a greyscale one): keep the pixels as they are.
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, kind: _Format) -> bytes:
    output = io.BytesIO()
    if kind is JPEG:
        image.save(
            output,
            format="JPEG",
            quality=operator_settings.value("RETENTION_REVIEW_PHOTO_JPEG_QUALITY"),
            optimize=True,
        )
    elif kind is PNG:
        image.save(output, format="PNG", optimize=True)
    else:
        image.save(
            output,
            format="WEBP",
            quality=operator_settings.value("RETENTION_REVIEW_PHOTO_WEBP_QUALITY"),
        )
    return output.getvalue()
