"""A damaged or lying zip is a 400 naming the entry, never a 500, and stores nothing."""

import io
import struct
import zipfile

import pytest

from apps.core.models import Job
from apps.vision.models import ImageFile
from tests.vision.conftest import encoded, low_contrast, upload

pytestmark = pytest.mark.django_db


def zip_of(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def understate_sizes(data: bytes, name: str) -> bytes:
    """The zip with ``name``'s declared uncompressed size cut to 100 bytes in both headers."""
    data = bytearray(data)
    encoded_name = name.encode()
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            if data[at + name_offset : at + name_offset + len(encoded_name)] == encoded_name:
                struct.pack_into("<I", data, at + size_offset, 100)
            at = data.find(signature, at + 4)
    return bytes(data)


def corrupt_crc(data: bytes) -> bytes:
    data = bytearray(data)
    for signature, crc_offset in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        at = data.find(signature)
        data[at + crc_offset] ^= 0xFF
    return bytes(data)


def post_archive(client, data: bytes):
    return client.post(
        "/api/v1/vision/batch/",
        {"operation": "thumbnail", "archive": upload(data, "photos.zip", "application/zip")},
        format="multipart",
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda z: understate_sizes(z, "folder/b.png"), id="header understates the size"),
        pytest.param(corrupt_crc, id="bad CRC-32"),
        pytest.param(lambda z: z[:-30], id="truncated central directory"),
    ],
)
def test_a_damaged_zip_is_a_400_naming_the_entry(auth_client, damage):
    good = encoded(low_contrast(64, 48), "PNG")
    archive = zip_of({"folder/a.png": good, "folder/b.png": good})
    if damage is corrupt_crc:
        archive = zip_of({"folder/a.png": good})
    response = post_archive(auth_client, damage(archive))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "archive" in error["fields"]
    message = " ".join(error["fields"]["archive"])
    assert "zip" in message
    if "cannot be read" in message:
        assert "folder/" in message  # names the entry
    assert not ImageFile.objects.exists() and not Job.objects.exists()


def test_an_understated_entry_names_it_and_the_crc(auth_client):
    good = encoded(low_contrast(64, 48), "PNG")
    response = post_archive(
        auth_client, understate_sizes(zip_of({"folder/a.png": good, "folder/b.png": good}), "folder/b.png")
    )
    assert response.status_code == 400
    message = " ".join(response.json()["error"]["fields"]["archive"])
    assert "folder/b.png" in message and "CRC" in message, message
