"""What the handouts API accepts: every body and query string is decoded into one of these."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

TRIMMED = r"^\S(?:.*\S)?\Z"

Title = Annotated[str, Meta(min_length=1, max_length=200, pattern=TRIMMED)]
Category = Annotated[str, Meta(min_length=1, max_length=60, pattern=TRIMMED)]
Language = Annotated[str, Meta(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")]
Body = Annotated[str, Meta(min_length=1, max_length=100_000)]
Status = Literal["draft", "published"]


class NewHandout(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    category: Category
    body: Body
    language: Language = "en"


class HandoutChanges(msgspec.Struct, forbid_unknown_fields=True):
    """A changed body becomes a new version; the other fields change in place."""

    title: Title | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    language: Language | UnsetType = UNSET
    body: Body | UnsetType = UNSET


class Publish(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[int, Meta(ge=1)] | None = None


class Preview(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, Meta(max_length=100_000)]


class HandoutFilter(msgspec.Struct, forbid_unknown_fields=True):
    q: Annotated[str, Meta(max_length=200)] = ""
    category: Annotated[str, Meta(max_length=60)] = ""
    language: Annotated[str, Meta(max_length=16)] = ""
    status: Status | None = None
    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    offset: Annotated[int, Meta(ge=0)] = 0
