"""QR codes (segno) that lead a patient's phone to a published handout on the patient site."""

from __future__ import annotations

import io

import segno

from ganger.sdk import Manifest, Request

PATIENT_WORKER = "ganger-handouts-patient"


def patient_base(manifest: Manifest, request: Request) -> str:
    """The patient site as seen from this request: handouts.localhost:<port> locally, https in production."""
    host = manifest.worker(PATIENT_WORKER).host
    seen = (request.headers.get("x-forwarded-host") or request.headers.get("host") or "localhost").lower()
    name, _, port = seen.partition(":")
    if name in ("localhost", "127.0.0.1") or name.endswith(".localhost"):
        return f"http://{host}.localhost{':' + port if port else ''}"
    return f"https://{host}.{manifest.platform.patient_domains[0]}"


def target(manifest: Manifest, request: Request, code: str) -> str:
    return f"{patient_base(manifest, request)}/qr/{code}"


def svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=4, xmldecl=False, title="QR code")
    return buffer.getvalue()


def png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
